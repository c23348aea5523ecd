import { Alert } from '../../components/Alert.js';
import { useEngine } from '../../stores/engine.js';

/**
 * Said before a K-quant (Q4_K_M, Q5_K_M, Q6_K) conversion starts on a machine that has not built llama-quantize
 * yet (app.info's llamaToolsReady): the first one builds it from source, which takes minutes and a compiler.
 */
export function QuantToolsNotice() {
  const ready = useEngine((s) => s.info?.llamaToolsReady);
  if (ready !== false) return null;
  return (
    <Alert tone="warning" title="The first K-quant builds llama-quantize first" testId="quant-tools-notice">
      Q4_K_M, Q5_K_M and Q6_K need llama.cpp’s quantizer, which this machine has not built yet. Lathe builds it once
      from the llama.cpp source it ships before converting: about 8 minutes on 2 cores, and it needs cmake and a C++
      compiler. The progress shows the build as its own phase. Lathe’s offline bundle ships the quantizer prebuilt.
    </Alert>
  );
}
