import { main } from './main.ts';

// Exit explicitly: native thread pools (onnxruntime) may otherwise keep the process alive.
const code = await main(process.argv.slice(2));
process.stdout.write('', () => process.exit(code));
