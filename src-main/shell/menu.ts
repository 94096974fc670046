import { Menu, app, type MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../common/api/types.ts';
import type { RecentProject } from '../engine/project/index.ts';

/**
 * The application menu. Edit commands are sent to the renderer, which owns the document and its undo
 * stack; accelerators here are the same keys the renderer handles when the menu is absent (test host).
 */
export function buildMenu(send: (cmd: MenuCommand) => void, recent: RecentProject[]): void {
  const item = (label: string, cmd: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({ label, accelerator, click: () => send(cmd) });
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        item('New Project', 'new', 'CmdOrCtrl+N'),
        item('Open Project…', 'open', 'CmdOrCtrl+O'),
        {
          label: 'Open Recent',
          submenu: recent.length ? recent.map((r) => item(r.name || r.path, `open-recent:${r.path}`)) : [{ label: 'None', enabled: false }],
        },
        { type: 'separator' },
        item('Save', 'save', 'CmdOrCtrl+S'),
        item('Save As…', 'save-as', 'CmdOrCtrl+Shift+S'),
        { type: 'separator' },
        item('Import Media…', 'import', 'CmdOrCtrl+I'),
        item('Export…', 'export', 'CmdOrCtrl+E'),
        { type: 'separator' },
        item('Settings…', 'settings', 'CmdOrCtrl+,'),
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    {
      label: 'Edit',
      submenu: [
        // Registered without the accelerator: the renderer handles Ctrl+Z itself, so text fields keep native undo.
        item('Undo', 'undo'),
        item('Redo', 'redo'),
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
      ],
    },
    { label: 'View', submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }, ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' } as MenuItemConstructorOptions])] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
