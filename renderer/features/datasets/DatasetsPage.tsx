import { useEffect } from 'react';
import { useConnection } from '../../stores/connection.js';
import { useDatasetImport } from './dataset-import-store.js';
import { useDatasets } from './datasets-store.js';
import { useHashPath } from '../shell/useHashRoute.js';
import { DatasetDetail } from './DatasetDetail.js';
import { DatasetList } from './DatasetList.js';
import { ImportWizard } from './ImportWizard.js';
import { RecipesPanel } from './RecipesPanel.js';

/** #/datasets lists the library; #/datasets/<id> opens one dataset. The import wizard serves both. */
export function DatasetsPage() {
  const [datasetId] = useHashPath();
  const open = useConnection((s) => s.status === 'open');
  const load = useDatasets((s) => s.load);

  useEffect(() => {
    if (open && useDatasets.getState().status === 'idle') void load();
  }, [open, load]);

  // Leaving the page hides the wizard; an import in flight carries on and says when it is done (a toast, or the
  // pill in the header on the way back).
  useEffect(() => () => useDatasetImport.getState().close(), []);

  return (
    <>
      {datasetId ? (
        <DatasetDetail datasetId={datasetId} />
      ) : (
        <>
          <DatasetList />
          <RecipesPanel />
        </>
      )}
      <ImportWizard />
    </>
  );
}
