import { ButtonLink } from '../../components/Button.js';
import { EmptyState, OptionCard } from '../../components/EmptyState.js';
import { ClipboardCheckIcon, CubeIcon, LayersIcon, PackageIcon } from '../../components/icons.js';
import { PageHeader } from '../../components/PageHeader.js';
import { pageHref, pages } from '../shell/pages.js';

export function ExportPage() {
  return (
    <>
      <PageHeader {...pages.export} />
      <EmptyState
        id="export"
        icon={PackageIcon}
        title="No exports yet"
        description="Export a trained model once it has passed its release gate. Each export records its format, quantisation and SHA-256 in the audit log, so a deployed file can be traced to its run."
        footer={
          <ButtonLink href={pageHref('evaluate')} icon={ClipboardCheckIcon}>
            Evaluate a model first
          </ButtonLink>
        }
      >
        <div className="option-grid">
          <OptionCard icon={LayersIcon} title="GGUF" formats={['Q4_K_M', 'Q8_0', 'F16']}>
            For laptops and edge boxes, run by llama.cpp and the tools built on it.
          </OptionCard>
          <OptionCard icon={CubeIcon} title="Merged safetensors" formats={['BF16', 'FP16']}>
            The adapter merged into its base, for serving on GPU machines.
          </OptionCard>
        </div>
      </EmptyState>
    </>
  );
}
