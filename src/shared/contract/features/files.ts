import { z } from 'zod';
import { handler } from '../define.js';

/**
 * What a folder entry looks like to someone choosing a model: a plain folder, a Hugging Face model folder
 * (config.json + *.safetensors), a PEFT adapter folder (adapter_config.json + adapter weights) or a .gguf file.
 */
export const folderEntryKindSchema = z.enum(['folder', 'model', 'adapter', 'gguf']);
export type FolderEntryKind = z.infer<typeof folderEntryKindSchema>;

export const folderEntrySchema = z.object({
  name: z.string(),
  /** Absolute path on the engine's machine; pass it back to list that folder or to import it. */
  path: z.string(),
  kind: folderEntryKindSchema,
  /** The file's size for a .gguf file; null for folders (a model folder is sized when it is inspected). */
  sizeBytes: z.number().int().nullable(),
  hidden: z.boolean(),
});
export type FolderEntry = z.infer<typeof folderEntrySchema>;

export const folderListingSchema = z.object({
  /** The folder listed, with `~` expanded, `..` and symbolic links resolved. */
  path: z.string(),
  /** What the folder itself looks like (an import can take it as it is when it is a model or adapter). */
  kind: folderEntryKindSchema,
  /** The folder above, or null at the top of an allowed root. */
  parent: z.string().nullable(),
  /** The roots a client may browse: the data folder, the home folder, the cache and LATHE_MODEL_ROOTS. */
  roots: z.array(z.object({ label: z.string(), path: z.string() })),
  entries: z.array(folderEntrySchema),
  /** True when the folder held more entries than were returned. */
  truncated: z.boolean(),
});
export type FolderListing = z.infer<typeof folderListingSchema>;

export const fileHandlers = {
  'files.listFolder': handler({
    summary:
      'Read-only folder browser for choosing a model on the engine’s machine: sub-folders and .gguf files of a folder under an allowed root, marking model and adapter folders. Refuses (FORBIDDEN) anything that resolves outside the allowed roots.',
    args: z
      .object({
        /** Absolute or `~/…`; empty: the home folder. */
        path: z.string().max(4096).optional(),
        showHidden: z.boolean().default(false),
      })
      .strict(),
    result: folderListingSchema,
    writes: false,
  }),
};
