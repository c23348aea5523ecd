import { CommandLine } from '../../components/CommandLine.js';
import { EmptyState, OptionCard } from '../../components/EmptyState.js';
import { CubeIcon, FolderIcon, LayersIcon, SparklesIcon } from '../../components/icons.js';
import { PageHeader } from '../../components/PageHeader.js';
import { pages } from '../shell/pages.js';

export function ModelsPage() {
  return (
    <>
      <PageHeader {...pages.models} />
      <EmptyState
        id="models"
        icon={CubeIcon}
        title="No models registered"
        description="Point Lathe at weights you already have on disk. Nothing is downloaded: each model is hashed on registration, and every adapter and merge keeps a link to its parent."
        footer={<CommandLine label="Try the whole flow in a minute" command="npm run demo" />}
      >
        <div className="option-grid option-grid-3">
          <OptionCard icon={FolderIcon} title="Base model folder" formats={['safetensors', 'config.json', 'tokenizer']}>
            A Hugging Face-style folder to fine-tune from.
          </OptionCard>
          <OptionCard icon={LayersIcon} title="GGUF file" formats={['GGUF']}>
            A llama.cpp model to chat with in the Playground.
          </OptionCard>
          <OptionCard icon={SparklesIcon} title="Tiny demo model" formats={['2 layers', 'local']}>
            Built on this machine in seconds, with sample data to match.
          </OptionCard>
        </div>
      </EmptyState>
    </>
  );
}
