import type { Command } from 'commander';

/** `gemdepth models ...`: list, download, import, remove (the model manager owns the logic). */
export async function registerModels(program: Command): Promise<void> {
  const { registerModelCommands } = await import('./model-commands.ts');
  registerModelCommands(program);
}
