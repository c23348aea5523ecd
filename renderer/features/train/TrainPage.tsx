import { ButtonLink } from '../../components/Button.js';
import { CommandLine } from '../../components/CommandLine.js';
import { EmptyState, Step } from '../../components/EmptyState.js';
import { ArrowRightIcon, ZapIcon } from '../../components/icons.js';
import { PageHeader } from '../../components/PageHeader.js';
import { pageHref, pages } from '../shell/pages.js';

export function TrainPage() {
  return (
    <>
      <PageHeader {...pages.train} />
      <EmptyState
        id="train"
        icon={ZapIcon}
        title="Two things before the first run"
        description="A run fine-tunes a base model on a dataset version and records its exact recipe — data, mix, settings, seed and environment — so anyone can reproduce it."
        footer={<CommandLine label="Or build a tiny model and dataset to try it" command="npm run demo" />}
      >
        <ol className="steps">
          <Step
            n={1}
            title="A base model"
            action={
              <ButtonLink href={pageHref('models')} icon={ArrowRightIcon}>
                Models
              </ButtonLink>
            }
          >
            Register a safetensors folder, or build the demo model.
          </Step>
          <Step
            n={2}
            title="A dataset version"
            action={
              <ButtonLink href={pageHref('datasets')} icon={ArrowRightIcon}>
                Datasets
              </ButtonLink>
            }
          >
            Import task examples or domain documents.
          </Step>
          <Step n={3} title="A recipe">
            LoRA, QLoRA or full SFT; the mix of domain and general data; a memory estimate before you start.
          </Step>
        </ol>
      </EmptyState>
    </>
  );
}
