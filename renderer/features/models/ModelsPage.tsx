import { useEffect, useState } from 'react';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { CommandLine } from '../../components/CommandLine.js';
import { EmptyState, OptionCard } from '../../components/EmptyState.js';
import { CubeIcon, FolderIcon, ImportIcon, LayersIcon, SparklesIcon } from '../../components/icons.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useConnection } from '../../stores/connection.js';
import { pages } from '../shell/pages.js';
import { ImportModelDialog } from './ImportModelDialog.js';
import { ModelDrawer } from './ModelDrawer.js';
import { useModels } from './models-store.js';
import { ModelsTable } from './ModelsTable.js';
import '../../styles/models.css';
import { useCan } from '../../stores/session.js';
import { RoleNote } from '../auth/RoleNote.js';

export function ModelsPage() {
  const { models, status, error, load } = useModels();
  const connected = useConnection((s) => s.status === 'open');
  const [importing, setImporting] = useState(false);
  const [openId, setOpenId] = useState<string | null>(null);
  useEffect(() => {
    if (connected) void load();
  }, [connected, load]);

  const canTrain = useCan('train');
  const importButton = canTrain ? <Button variant="primary" icon={ImportIcon} onClick={() => setImporting(true)} data-testid="model-import-open">Import model</Button> : <RoleNote needs="train" />;
  return (
    <>
      <PageHeader {...pages.models} actions={models.length ? importButton : undefined} />
      {status === 'error' && error && <ErrorAlert title="Could not load the model registry" error={error} />}
      {status === 'ready' && models.length === 0 && (
        <EmptyState
          id="models"
          icon={CubeIcon}
          title="No models registered"
          description="Point Lathe at weights you already have on disk. Nothing is downloaded: each model is hashed on registration, and every adapter and merge keeps a link to its parent."
          footer={<CommandLine label="Or from a terminal" command="lathe models import /path/to/model" />}
        >
          <div className="option-grid option-grid-3">
            <OptionCard icon={FolderIcon} title="Base model folder" formats={['safetensors', 'config.json', 'tokenizer']}>
              A Hugging Face-style folder to fine-tune from.
            </OptionCard>
            <OptionCard icon={LayersIcon} title="GGUF file" formats={['GGUF']}>
              A llama.cpp model to chat with in the Playground.
            </OptionCard>
            <OptionCard icon={SparklesIcon} title="Adapter folder" formats={['PEFT', 'safetensors']}>
              A LoRA adapter from a training run, linked to its base.
            </OptionCard>
          </div>
          <div className="empty-actions">{importButton}</div>
        </EmptyState>
      )}
      {status !== 'ready' && status !== 'error' && <div className="skeleton-table" aria-busy="true" />}
      {models.length > 0 && <ModelsTable models={models} openId={openId} onOpen={setOpenId} />}
      <ImportModelDialog open={importing} onClose={() => setImporting(false)} onImported={(id) => { setImporting(false); void load(); setOpenId(id); }} />
      <ModelDrawer modelId={openId} onClose={() => setOpenId(null)} onOpen={setOpenId} onChanged={() => void load()} />
    </>
  );
}
