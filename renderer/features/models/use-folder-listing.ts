import type { FolderListing, LatheErrorData } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';
import { useRequest } from '../../stores/use-request.js';
/** One folder of the engine's machine as files.listFolder lists it (`target` undefined: the first allowed root). */
export function useFolderListing(target: string | undefined, showHidden: boolean): { listing: FolderListing | null; error: LatheErrorData | null } {
  const { value: listing, error } = useRequest(() => getClient().send('files.listFolder', { ...(target ? { path: target } : {}), showHidden }), [target, showHidden]);
  return { listing, error };
}
