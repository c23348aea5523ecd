import { useState } from 'react';
import type { FolderEntry } from '../../../src/shared/contract/index.js';
import { ErrorAlert } from '../../components/Alert.js';
import { ChevronUpIcon, CubeIcon, FolderIcon, LayersIcon, PackageIcon } from '../../components/icons.js';
import { formatBytes } from '../../lib/format.js';
import { useFolderListing } from './use-folder-listing.js';

const KIND_NOTE: Record<FolderEntry['kind'], string> = { folder: '', model: 'Model folder', adapter: 'Adapter folder', gguf: 'GGUF' };

/**
 * The engine's folders, listed by the engine (files.listFolder) inside the roots it allows: a click on a folder
 * opens it, a click on a model folder, adapter folder or .gguf file picks it. The renderer never reads files.
 */
export function FolderBrowser({ start, picked, onPick }: { start?: string; picked: string; onPick(path: string, kind: FolderEntry['kind']): void }) {
  const [showHidden, setShowHidden] = useState(false);
  const [target, setTarget] = useState<string | undefined>(start);

  const { listing, error } = useFolderListing(target, showHidden);

  const open = (path: string) => setTarget(path);

  return (
    <div className="folder-browser" data-testid="folder-browser">
      <div className="folder-browser-bar">
        <div className="folder-roots" role="group" aria-label="Allowed folders">
          {listing?.roots.map((r) => (
            <button key={r.path} type="button" className={`folder-root${listing.path === r.path ? ' is-current' : ''}`} title={r.path} onClick={() => open(r.path)} data-testid="folder-root">
              {r.label}
            </button>
          ))}
        </div>
        <label className="checkbox-row folder-hidden-toggle">
          <input type="checkbox" checked={showHidden} onChange={(e) => setShowHidden(e.target.checked)} data-testid="folder-show-hidden" />
          <span>Hidden folders</span>
        </label>
      </div>
      <div className="folder-browser-path">
        <button type="button" className="folder-up" disabled={!listing?.parent} onClick={() => listing?.parent && open(listing.parent)} title="Up one folder" aria-label="Up one folder" data-testid="folder-up">
          <ChevronUpIcon size={14} />
        </button>
        <span className="folder-current mono" title={listing?.path} data-testid="folder-current">
          {/* The line cuts from the left (rtl) so the deepest folder stays visible; the mark keeps the leading slash in place. */}
          {listing ? '\u200E' + listing.path : '…'}
        </span>
        {listing && listing.kind !== 'folder' && (
          <button type="button" className={`folder-use${picked === listing.path ? ' is-picked' : ''}`} onClick={() => onPick(listing.path, listing.kind)} data-testid="folder-use-current">
            Use this {listing.kind === 'adapter' ? 'adapter' : 'model'} folder
          </button>
        )}
      </div>
      {error && <ErrorAlert title="Cannot open that folder" error={error} />}
      {/* A plain list of buttons (no arrow-key model, so not a listbox); the picked entry is aria-current. */}
      <ul className="folder-entries" aria-label="Folders and model files" data-testid="folder-entries">
        {listing?.entries.length === 0 && <li className="folder-empty">No sub-folders or .gguf files here.</li>}
        {listing?.entries.map((e) => {
          const pickable = e.kind !== 'folder';
          const Icon = e.kind === 'model' ? CubeIcon : e.kind === 'adapter' ? LayersIcon : e.kind === 'gguf' ? PackageIcon : FolderIcon;
          return (
            <li key={e.path}>
              <button
                type="button"
                className={`folder-entry is-${e.kind}${picked === e.path ? ' is-picked' : ''}${e.hidden ? ' is-hidden' : ''}`}
                data-testid="folder-entry"
                data-kind={e.kind}
                data-name={e.name}
                aria-current={picked === e.path ? 'true' : undefined}
                title={pickable ? `Pick ${e.path}` : `Open ${e.path}`}
                onClick={() => (pickable ? onPick(e.path, e.kind) : open(e.path))}
                onDoubleClick={() => e.kind !== 'gguf' && open(e.path)}
              >
                <Icon size={15} />
                <span className="folder-entry-name">{e.name}</span>
                {pickable && <span className={`kind-badge is-${e.kind === 'model' ? 'base' : e.kind}`}>{KIND_NOTE[e.kind]}{e.sizeBytes !== null ? ` · ${formatBytes(e.sizeBytes)}` : ''}</span>}
              </button>
            </li>
          );
        })}
      </ul>
      {listing?.truncated && <p className="field-hint">Only the first 1,000 entries are shown.</p>}
    </div>
  );
}
