/**
 * The layer rule: which folder may import which (as VS Code's layering lint does for its
 * base/platform/editor/workbench). Each layer names the folders it may not import (each with the files
 * excepted, if any) or the only ones it may, whether node builtins are allowed and which packages are off limits. Relative imports are resolved
 * to repository paths, so '../../engine/x.ts' and '../src-main/engine/x.ts' are judged alike.
 */
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const BUILTINS = new Set(builtinModules);
const isBuiltin = (spec) => spec.startsWith('node:') || BUILTINS.has(spec.split('/')[0]);
const under = (path, folder) => path === folder.replace(/\/$/, '') || path.startsWith(folder.endsWith('/') ? folder : `${folder}/`);
const packageOf = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

/** @type {import('eslint').Rule.RuleModule} */
const importsRule = {
  meta: {
    type: 'problem',
    docs: { description: 'keep imports within the layers the architecture allows' },
    schema: [{ type: 'array' }],
  },
  create(context) {
    const layers = context.options[0] ?? [];
    const file = relative(ROOT, context.filename).split('\\').join('/');
    // The most specific layer (longest folder) decides.
    const layer = layers.filter((l) => l.folders.some((f) => under(file, f))).sort((a, b) => Math.max(...b.folders.map((f) => f.length)) - Math.max(...a.folders.map((f) => f.length)))[0];
    if (!layer) return {};
    const check = (node, source) => {
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const spec = source.value.split('?')[0];
      const report = (why) => context.report({ node: source, message: `${layer.name} (${file}) may not import '${source.value}': ${why}` });
      if (!spec.startsWith('.')) {
        if (layer.noBuiltins && isBuiltin(spec)) report(layer.noBuiltins);
        const denied = (layer.packages ?? []).find((p) => p.name === packageOf(spec));
        if (denied) report(denied.why);
        return;
      }
      const target = relative(ROOT, resolve(dirname(context.filename), spec)).split('\\').join('/');
      if (layer.only && !layer.only.folders.some((f) => under(target, f))) return report(layer.only.why);
      for (const d of layer.deny ?? []) if (d.folders.some((f) => under(target, f)) && !(d.except ?? []).includes(target)) return report(d.why);
    };
    return {
      ImportDeclaration: (n) => check(n, n.source),
      ExportAllDeclaration: (n) => check(n, n.source),
      ExportNamedDeclaration: (n) => check(n, n.source),
      ImportExpression: (n) => check(n, n.source),
    };
  },
};

export default { rules: { imports: importsRule } };
