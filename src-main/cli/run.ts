import { tuneV8 } from '../util/v8-tuning.ts';

// Before the CLI's modules load, so that their code is compiled under the same settings as the job's.
tuneV8();
const { main } = await import('./main.ts');

// Exit explicitly: native thread pools (onnxruntime) may otherwise keep the process alive.
const code = await main(process.argv.slice(2));
process.stdout.write('', () => process.exit(code));
