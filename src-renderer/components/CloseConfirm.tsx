import { resolveConfirm } from '../state/actions.ts';

export function CloseConfirm() {
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-label="Unsaved changes" data-testid="close-confirm">
        <h3>Unsaved changes</h3>
        <p>This project has edits that are not saved. Save them first?</p>
        <div className="modal-actions">
          <button className="primary" onClick={() => void resolveConfirm('save')}>Save</button>
          <button onClick={() => void resolveConfirm('discard')}>Don’t save</button>
          <button onClick={() => void resolveConfirm('cancel')}>Cancel</button>
        </div>
      </div>
    </div>
  );
}
