import { EmptyState, OptionCard } from '../../components/EmptyState.js';
import { ActivityIcon, ChatIcon, CubeIcon } from '../../components/icons.js';
import { PageHeader } from '../../components/PageHeader.js';
import { pageHref, pages } from '../shell/pages.js';

export function PlaygroundPage() {
  return (
    <>
      <PageHeader {...pages.playground} />
      <EmptyState
        id="playground"
        icon={ChatIcon}
        title="Nothing to chat with yet"
        description="The Playground runs models locally on llama.cpp — CPU, CUDA or Vulkan — and can send one prompt to a base model and its tuned version at once, so you can see what training changed."
      >
        <div className="option-grid">
          <OptionCard icon={CubeIcon} title="Chat with a model" href={pageHref('models')}>
            Register a GGUF file or build the demo model on the Models page.
          </OptionCard>
          <OptionCard icon={ActivityIcon} title="Compare base and tuned" href={pageHref('runs')}>
            Finish a training run; its adapter appears here next to its base.
          </OptionCard>
        </div>
      </EmptyState>
    </>
  );
}
