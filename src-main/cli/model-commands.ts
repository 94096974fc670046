/** `gemdepth models ...`: the CLI face of the app's model service (app/model-service.ts; engine/model-manager holds the logic). */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { cancelOnSigint } from './args.ts';
import { formatEta } from './progress-line.ts';
import { UserError } from '../common/errors.ts';
import type { Progress } from '../common/types.ts';
import { FIRST_RUN_HINT, downloadModelById, importModelFile, modelDetails, modelFolders, modelStatuses, removeInstalledModel } from '../app/model-service.ts';

const out = (s: string) => process.stdout.write(s + '\n');
const err = (s: string) => process.stderr.write(s + '\n');
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** A download job's progress (done and total in bytes, fps in bytes a second). */
function downloadLine(p: Progress): string {
  const pct = p.total ? Math.floor((100 * p.done) / p.total) : 0;
  return `download: ${mb(p.done)}/${mb(p.total)} (${pct}%)  ${(p.fps / 1e6).toFixed(2)} MB/s  ETA ${formatEta(p.etaSeconds)}`;
}

/** Non-commercial weights need a yes: asked on a terminal, or given with --accept-licence in scripts. */
async function confirmLicence(id: string, accepted: boolean): Promise<void> {
  if (accepted) return;
  if (!process.stdin.isTTY) {
    throw new UserError(`model '${id}' is licensed for non-commercial use only: rerun with --accept-licence to agree and download`, 'ELICENCE');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question('Use it for non-commercial work only? Type yes to download: ');
  rl.close();
  if (answer.trim().toLowerCase() !== 'yes') throw new UserError(`download of '${id}' cancelled: licence not accepted`, 'ELICENCE');
}

export function registerModelCommands(program: Command): void {
  const models = program.command('models').description('list, download, import and remove depth models');

  models
    .command('list')
    .description('the known models, where each is installed, and how to get the others')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const list = await modelStatuses();
      if (o.json) {
        out(JSON.stringify(list.map((s) => ({ id: s.manifest.id, name: s.manifest.name, installedAt: s.installedAt, builtIn: s.builtIn, runsAs: s.runsAs, downloadable: s.downloadable, partialBytes: s.partialBytes, licence: s.manifest.licence })), null, 2));
        return;
      }
      for (const s of list) {
        const m = s.manifest;
        const state = s.runsAs
          ? `not installed: runs the built-in ${s.runsAs} instead (get it from ${m.source.url}, then gemdepth models import FILE --as ${m.id})`
          : s.builtIn
            ? `built in: ${s.installedAt}`
            : s.installedAt
              ? `installed: ${s.installedAt}`
              : s.downloadable
              ? `not installed: gemdepth models download ${m.id}${m.download!.size ? ` (${mb(m.download!.size)})` : ''}${s.partialBytes ? `, ${mb(s.partialBytes)} partial, resumes` : ''}`
              : `not installed: get it from ${m.source.url}, then gemdepth models import FILE --as ${m.id}`;
        const nc = m.licence.commercialUse ? '' : ', NON-COMMERCIAL';
        out(`${m.id.padEnd(28)} ${m.kind.padEnd(9)} ${m.licence.id}${nc}  ${state}`);
      }
      if (!list.some((s) => s.installedAt)) err(`gemdepth: ${FIRST_RUN_HINT}`);
    });

  models
    .command('info')
    .description('licence, source and download details of one model')
    .argument('<id>', 'model id')
    .action(async (id: string) => {
      const { manifest: m, licence } = await modelDetails(id);
      out(`${m.id}: ${m.name}`);
      out(licence);
      out(`source: ${m.source.url}\n  ${m.source.note}`);
      out(
        m.download
          ? `download: ${m.download.urls[0]}${m.download.size ? `, ${mb(m.download.size)}` : ''}, ${m.download.sha256 ? `sha256 ${m.download.sha256}` : 'no published checksum (inputs and outputs are verified instead)'}`
          : 'download: none (import the file you obtained)',
      );
      out(`input '${m.input.name}' ${m.input.layout}, output '${m.output.name}' (${m.outputKind})${m.poses ? `, poses '${m.poses.name}'` : ''}`);
    });

  models
    .command('download')
    .description('download, verify and install a model (resumes an interrupted download)')
    .argument('<id>', 'model id (see gemdepth models list)')
    .option('--accept-licence', 'agree to a non-commercial licence without being asked')
    .action(async (id: string, o: { acceptLicence?: boolean }) => {
      const { manifest: m, licence, needsConsent } = await modelDetails(id);
      err(licence);
      if (m.download && needsConsent) await confirmLicence(m.id, !!o.acceptLicence);
      const ac = cancelOnSigint();
      const tty = process.stderr.isTTY;
      let lastPlain = 0;
      const r = await downloadModelById(m.id, { acceptLicence: true, onRetry: (msg) => err(`\ngemdepth: ${msg}`) }, {
        signal: ac.signal,
        onProgress: (p) => {
          if (tty) process.stderr.write(`\r${downloadLine(p)}   `);
          else if (Date.now() - lastPlain > 3000) {
            lastPlain = Date.now();
            err(downloadLine(p));
          }
        },
      }).finally(() => tty && process.stderr.write('\n'));
      err(r.alreadyInstalled ? `${m.id} is already installed: ${r.path}` : `installed ${m.id} (${r.pinned ? 'sha256 verified' : `no published checksum: inputs and outputs verified, sha256 ${r.sha256}`}${r.resumedFrom ? `, resumed at ${mb(r.resumedFrom)}` : ''}): ${r.path}`);
    });

  models
    .command('import')
    .description('install your own ONNX file as a known model, after checking it fits the manifest')
    .argument('<file>', '.onnx file')
    .requiredOption('--as <id>', 'the manifest it implements (see gemdepth models list)')
    .action(async (file: string, o: { as: string }) => {
      err((await modelDetails(o.as)).licence);
      const r = await importModelFile(file, o.as);
      const size = r.io.height && r.io.width ? `, ${r.io.height}x${r.io.width}` : '';
      err(`${r.replaced ? 'replaced' : 'imported'} ${o.as} (I/O verified${r.io.T ? `, window T=${r.io.T}` : ''}${size}): ${r.path}`);
    });

  models
    .command('remove')
    .description('delete an installed model (and any partial download) from the model folder')
    .argument('<id>', 'model id')
    .action(async (id: string) => {
      for (const p of await removeInstalledModel(id)) err(`removed ${p}`);
    });

  models
    .command('path')
    .description('where models are installed and searched')
    .action(() => {
      const f = modelFolders();
      out(`install folder: ${f.install}`);
      out(`search path (GEMDEPTH_MODELS first): ${f.search.join(', ')}`);
    });
}
