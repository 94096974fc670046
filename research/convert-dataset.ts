/** npx tsx research/convert-dataset.ts SRC OUT [START COUNT]: a shared dataset's own layout -> the eval harness layout (write OUT outside the repo or under bench-out/). */
import { convertDataset } from './eval/convert.ts';
import { isUserError } from '../src-main/common/errors.ts';

const [src, out, start, count] = process.argv.slice(2);
if (!src || !out) {
  console.error('usage: convert-dataset SRC_DATASET_DIR OUT_DIR [START COUNT]');
  process.exit(2);
}
convertDataset(src, out, { start: start ? Number(start) : undefined, count: count ? Number(count) : undefined }).then(
  (r) => console.log(`${r.layout}: ${r.frames} frames -> ${out}`),
  (e) => { console.error(isUserError(e) ? `error: ${e.message}` : e); process.exit(1); },
);
