import { describe, expect, it } from 'vitest';
import { modelUrlProblem, redirectProblem } from '../../src-main/engine/infer/url-policy.ts';

describe('model URL policy', () => {
  it('https anywhere; http only to this machine; nothing else', () => {
    expect(modelUrlProblem('https://huggingface.co/x/model.onnx')).toBeNull();
    expect(modelUrlProblem('http://127.0.0.1:8080/m.onnx')).toBeNull();
    expect(modelUrlProblem('http://localhost/m.onnx')).toBeNull();
    expect(modelUrlProblem('http://[::1]:9/m.onnx')).toBeNull();
    expect(modelUrlProblem('http://huggingface.co/m.onnx')).toMatch(/not an https: URL/);
    expect(modelUrlProblem('http://127.0.0.1.evil.com/m.onnx')).toMatch(/not an https: URL/);
    expect(modelUrlProblem('file:///etc/passwd')).toMatch(/not an https: URL/);
    expect(modelUrlProblem('not a url')).toMatch(/not a URL/);
  });

  it('a redirect never steps down from https', () => {
    expect(redirectProblem('https://a.example/m', 'https://cdn.example/m')).toBeNull();
    expect(redirectProblem('https://a.example/m', 'http://cdn.example/m')).toMatch(/not an https: URL/);
    expect(redirectProblem('https://a.example/m', 'http://127.0.0.1/m')).toMatch(/from https/);
    expect(redirectProblem('http://127.0.0.1/a', 'http://127.0.0.1/b')).toBeNull();
  });
});
