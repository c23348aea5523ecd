import { migration001 } from './001-audit-log.js';
import { migration002 } from './002-datasets.js';
import { migration003 } from './003-example-splits.js';
import { migration004 } from './004-example-search.js';
import { migration005 } from './005-runs.js';
import { migration006 } from './006-models.js';
import { migration007 } from './007-conversations.js';
import { migration008 } from './008-reviews.js';
import { migration009 } from './009-recipes.js';
import { migration010 } from './010-model-artifacts.js';
import { migration011 } from './011-run-queue.js';
import { migration012 } from './012-evals.js';
import { migration013 } from './013-synthetic.js';
import { migration014 } from './014-preferences.js';
import { migration015 } from './015-release-artefacts.js';
import { migration016 } from './016-eval-hygiene.js';
import { migration017 } from './017-example-search-bulk.js';
import { migration018 } from './018-run-lineage.js';
import { migration019 } from './019-audit-filters.js';
import { migration020 } from './020-perplexity.js';
import { migration021 } from './021-eval-judge.js';
import { migration022 } from './022-search-backlog.js';
import { migration023 } from './023-run-process-identity.js';
import { migration024 } from './024-export-owner.js';
import { migration025 } from './025-release-meaning.js';
import { migration026 } from './026-review-carried.js';
import { migration027 } from './027-users.js';
import { migration028 } from './028-signatures.js';
import { migration029 } from './029-two-person-rule.js';
import { migration030 } from './030-compute-targets.js';
import { migration031 } from './031-version-approvals.js';
import { migration032 } from './032-review-assignments.js';
import type { Migration } from './types.js';

/** Every migration, in order. Append only: never edit or reorder a migration that has shipped. */
export const migrations: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005, migration006,
  migration007, migration008, migration009, migration010, migration011, migration012, migration013, migration014, migration015, migration016, migration017, migration018, migration019, migration020, migration021, migration022,
  migration023, migration024, migration025, migration026, migration027, migration028, migration029, migration030, migration031, migration032];

export type { Migration } from './types.js';
