import { useCallback, useEffect, useMemo, useState } from 'react';
import type { LatheErrorData, ModelSummary, RunEstimate } from '../../../src/shared/contract/index.js';
import { Alert, ErrorAlert } from '../../components/Alert.js';
import { Button, ButtonLink } from '../../components/Button.js';
import { CommandLine } from '../../components/CommandLine.js';
import { EmptyState } from '../../components/EmptyState.js';
import { ArrowRightIcon, RefreshIcon, ZapIcon } from '../../components/icons.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useDatasets } from '../datasets/datasets-store.js';
import { asErrorData } from '../../stores/errors.js';
import { useRuns } from './runs-store.js';
import { pageHref, pages } from '../shell/pages.js';
import { AdvancedFields } from './AdvancedFields.js';
import { DatasetPicker } from './DatasetPicker.js';
import { EstimatePanel } from './EstimatePanel.js';
import { RecipePicker, type RecipeChoice } from './RecipePicker.js';
import { defaultForm, matchingPreset, presetFor, presets, type PresetId, type TrainForm } from './presets.js';
import '../../styles/runs.css';
import { PREFERENCE_OBJECTIVES, startRunArgs } from '../../../src/shared/contract/features/runs.js';
import { objectiveFor } from './version-kind.js';
import { useHashPath } from '../shell/useHashRoute.js';
import { useModels } from '../models/models-store.js';
import { BaseModelPicker, isTrainable } from './BaseModelPicker.js';
import type { RetryPrefill } from './retry-prefill.js';
import { launchRun, useEstimate, useRetryPrefill, useVersionKind } from './runs-launch-store.js';
import { StatusBadge } from './StatusBadge.js';
import { useCan } from '../../stores/session.js';
import { RoleNote } from '../auth/RoleNote.js';
import { TargetPicker } from '../targets/TargetPicker.js';
import { Choice } from '../../components/Choice.js';

const MODEL_KEY = 'lathe.train.baseModelId';
const PRESET_KEYS = new Set(['maxSteps', 'lr', 'loraRank', 'maxSeqLen', 'microBatchSize', 'gradAccum', 'checkpointEvery', 'evalEvery']);

/** `#/train` is a new run; `#/train/retry/<runId>` the same form filled with every setting of that run. */
export function TrainPage() {
  const [sub, runId] = useHashPath();
  const retry = useRetryPrefill(sub === 'retry' ? (runId ?? '') : '');
  if (retry.status === 'loading') {
    return (
      <>
        <PageHeader {...pages.train} />
        <div className="train-form skeleton-table" aria-busy="true" data-testid="train-loading" />
      </>
    );
  }
  const prefill = retry.status === 'ready' ? retry.prefill : null;
  return <TrainForm key={prefill?.run.id ?? 'new'} prefill={prefill} retryError={retry.status === 'error' ? retry.error : null} />;
}

function TrainForm({ prefill, retryError }: { prefill: RetryPrefill | null; retryError: LatheErrorData | null }) {
  const canTrain = useCan('train');
  const datasets = useDatasets();
  const models = useModels((s) => s.models);
  const [form, setForm] = useState<TrainForm>(() => prefill?.form ?? defaultForm);
  // The base model is a registered one, by id; the form's baseModelDir is that model's folder.
  const [baseModelId, setBaseModelId] = useState(() => (prefill ? '' : (localStorage.getItem(MODEL_KEY) ?? '')));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LatheErrorData | null>(null);
  const update = (patch: Partial<TrainForm>) => setForm((f) => ({ ...f, ...patch }));
  // The data is one dataset version or a saved recipe (several versions mixed by ratio).
  const [source, setSource] = useState<'version' | 'recipe'>(prefill?.source ?? 'version');
  const [recipe, setRecipe] = useState<RecipeChoice | null>(null);

  // A retried run's base model is found in the registry by its folder; one never registered is offered for import.
  const retriedModel = prefill ? models.find((m) => isTrainable(m) && m.path === prefill.form.baseModelDir) : undefined;
  const [retriedPicked, setRetriedPicked] = useState(false);
  useEffect(() => {
    if (!retriedModel || retriedPicked) return;
    setRetriedPicked(true);
    setBaseModelId(retriedModel.id);
  }, [retriedModel, retriedPicked]);
  const chosenModel = models.find((m) => m.id === baseModelId && isTrainable(m));
  const effective = useMemo(() => ({ ...form, baseModelDir: chosenModel?.path ?? '' }), [form, chosenModel?.path]);
  const pickModel = (m: ModelSummary | null) => setBaseModelId(m?.id ?? '');
  const pickVersion = useCallback((datasetVersionId: string) => setForm((f) => ({ ...f, datasetVersionId })), []);

  useEffect(() => {
    if (datasets.status === 'idle') void datasets.load();
  }, [datasets.status, datasets.load]);
  // Preference pairs suggest DPO, labelled answers KTO, conversations SFT; a fitting choice is left alone.
  const kind = useVersionKind(source === 'version' ? form.datasetVersionId : '');
  useEffect(() => {
    if (kind) setForm((f) => ({ ...f, objective: objectiveFor(kind, f.objective) }));
  }, [kind]);

  const estimate = useEstimate(effective);
  const trainExamples = source === 'recipe' ? (recipe?.totalExamples ?? 0) : versionExamples(datasets, form.datasetVersionId);
  const presetCtx = { trainExamples, parameters: estimate.estimate?.parameters ?? 0 };
  const preset = matchingPreset(form, presetCtx);
  // The chosen preset follows the dataset and model as they become known, until a preset field is edited by hand.
  const [chosen, setChosen] = useState<PresetId | null>(prefill ? null : 'quick');
  useEffect(() => {
    if (chosen) update(presetFor(chosen, presetCtx).values);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- re-apply only when the inputs of the rule change
  }, [chosen, presetCtx.trainExamples, presetCtx.parameters]);
  const updateByHand = (patch: Partial<TrainForm>) => {
    if (Object.keys(patch).some((k) => PRESET_KEYS.has(k))) setChosen(null);
    update(patch);
  };
  if (datasets.status === 'ready' && datasets.datasets.length === 0) return <NoDatasets />;
  const hasData = source === 'recipe' ? Boolean(recipe?.validationVersionId) : form.datasetVersionId !== '';
  const payload = (() => {
    const { name, recipe: _r, ...rest } = effective;
    const data = source === 'recipe' && recipe ? { datasetVersionId: recipe.validationVersionId, recipe: recipe.components } : {};
    return { ...rest, ...data, ...(name.trim() ? { name: name.trim() } : {}) };
  })();
  const blocker = canTrain ? launchBlocker({ model: chosenModel, hasData, source, payload, estimate }) : 'Your role cannot start runs.';
  const canLaunch = blocker === null && !busy;

  const launch = async () => {
    setBusy(true);
    setError(null);
    try {
      const run = await launchRun(payload, prefill?.run ?? null);
      localStorage.setItem(MODEL_KEY, baseModelId);
      useRuns.getState().upsert(run);
      window.location.hash = `#/runs/${encodeURIComponent(run.id)}`;
    } catch (err) {
      setError(asErrorData(err));
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader {...pages.train} />
      {retryError && <ErrorAlert title="The run’s settings could not be loaded" error={retryError} />}
      {prefill && (
        <Alert tone="info" title="Retry with new settings" testId="train-retry-of">
          <p>
            Every setting below comes from run{' '}
            <a href={`#/runs/${encodeURIComponent(prefill.run.id)}`} data-testid="train-retry-link">
              {prefill.run.name}
            </a>{' '}
            <StatusBadge status={prefill.run.status} /> — base model, data, method and hyper-parameters. Change what you need; the new run is linked to
            that one, which stays as it was.
          </p>
        </Alert>
      )}
      <form
        className="train-form"
        data-testid="train-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (canLaunch) void launch();
        }}
      >
        <section className="train-section" aria-labelledby="train-what">
          <h2 className="train-section-title" id="train-what">
            What to train
          </h2>
          <BaseModelPicker modelId={baseModelId} onChange={pickModel} unregisteredPath={prefill && !retriedModel && !chosenModel ? prefill.form.baseModelDir : undefined} />
          <Choice<'version' | 'recipe'>
            label="Data"
            testId="train-data"
            value={source}
            onChange={setSource}
            options={[
              { value: 'version', label: 'Dataset version', note: 'One immutable dataset version' },
              { value: 'recipe', label: 'Recipe', note: 'Several versions mixed by ratio of training tokens' },
            ]}
          />
          {source === 'version' ? (
            <DatasetPicker versionId={form.datasetVersionId} onChange={pickVersion} />
          ) : (
            <RecipePicker value={recipe} onChange={setRecipe} prefer={prefill?.recipe ?? undefined} />
          )}
          <label className="field">
            <span className="field-label">Run name <span className="field-optional">optional</span></span>
            <span className="text-input">
              <input data-testid="train-name" value={form.name} placeholder="Named after the model and dataset if empty" onChange={(e) => update({ name: e.target.value })} />
            </span>
          </label>
        </section>

        <section className="train-section" aria-labelledby="train-how">
          <h2 className="train-section-title" id="train-how">
            How
          </h2>
          <div className="train-choice-row">
            <Choice
              label="Method"
              testId="train-method"
              value={form.method}
              onChange={(method) => update({ method })}
              footnote={form.method === 'qlora' ? undefined : 'QLoRA needs an NVIDIA GPU.'}
              options={[
                { value: 'lora', label: 'LoRA', note: 'Small adapter; the default' },
                { value: 'full', label: 'Full', note: 'Every weight; needs the most memory' },
                { value: 'qlora', label: 'QLoRA', note: 'Needs an NVIDIA GPU' },
              ]}
            />
            <Choice
              label="Objective"
              testId="train-objective"
              value={form.objective}
              onChange={(objective) => update({ objective })}
              options={[
                { value: 'sft', label: 'SFT', note: 'For chat and task data' },
                { value: 'cpt', label: 'CPT', note: 'For domain documents' },
                { value: 'dpo', label: 'DPO', note: 'Preference pairs; the base model (adapter off) is the reference' },
                { value: 'orpo', label: 'ORPO', note: 'Preference pairs; SFT and preference in one loss, no reference' },
                { value: 'simpo', label: 'SimPO', note: 'Preference pairs; length-normalised reward, no reference' },
                { value: 'kto', label: 'KTO', note: 'Answers labelled desirable or undesirable (pairs work too)' },
              ]}
            />
          </div>
          {isPreference(form.objective) && (
            <div className="train-field-pair">
              <label className="field">
                <span className="field-label">β (preference strength)</span>
                <input
                  className="text-input"
                  type="number"
                  step="any"
                  min="0"
                  data-testid="train-field-beta"
                  placeholder={form.objective === 'simpo' ? '2.0' : '0.1'}
                  value={form.preference?.beta ?? ''}
                  onChange={(e) => update({ preference: { ...form.preference, beta: e.target.value === '' ? undefined : Number(e.target.value) } })}
                />
                <span className="field-hint">Empty: TRL's default ({form.objective === 'simpo' ? '2.0' : '0.1'}). Higher keeps the model closer to its reference.</span>
              </label>
            </div>
          )}
          <div className="field">
            <span className="field-label" id="train-preset-label">
              Preset
            </span>
            <div className="preset-grid" role="radiogroup" aria-labelledby="train-preset-label">
              {(Object.keys(presets) as PresetId[]).map((id) => {
                const p = presetFor(id, presetCtx);
                return (
                <button
                  key={id}
                  type="button"
                  role="radio"
                  aria-checked={preset === id}
                  className={`preset-card${preset === id ? ' is-selected' : ''}`}
                  data-testid={`train-preset-${id}`}
                  onClick={() => {
                    setChosen(id);
                    update(p.values);
                  }}
                >
                  <span className="preset-title">{presets[id].label}</span>
                  <span className="preset-blurb">{presets[id].blurb}</span>
                  <span className="preset-values">
                    {p.values.maxSteps} steps · lr {p.values.lr.toExponential(0)} · rank {p.values.loraRank} · {p.values.maxSeqLen} tokens
                  </span>
                </button>
                );
              })}
            </div>
            {preset === null ? (
              <span className="field-hint">Custom settings — see Advanced.</span>
            ) : (
              <span className="field-hint preset-why" data-testid="train-preset-why">
                Why: {presetFor(preset, presetCtx).why.join('; ')}.
              </span>
            )}
          </div>
          <AdvancedFields form={form} update={updateByHand} />
        </section>

        <section className="train-section" aria-labelledby="train-where">
          <h2 className="train-section-title" id="train-where">
            Where
          </h2>
          <TargetPicker value={form.target} onChange={(target) => update({ target })} />
        </section>

        <section className="train-section" aria-labelledby="train-estimate-title">
          <h2 className="train-section-title" id="train-estimate-title">
            Estimate
          </h2>
          <EstimatePanel {...estimate} />
          {form.target && <p className="field-hint" data-testid="train-estimate-target">Estimated for this machine; {form.target} may be faster or slower. Its run records the time it took there.</p>}
        </section>

        {error && <ErrorAlert title="The run did not start" error={error} />}
        {!canTrain && <RoleNote needs="train" />}
        <div className="train-actions">
          <Button type="submit" variant="primary" icon={prefill ? RefreshIcon : ZapIcon} busy={busy} disabled={!canLaunch} data-testid="train-launch">
            {prefill ? 'Retry as a new run' : 'Launch run'}
          </Button>
          <span className={`train-actions-note${blocker ? ' is-blocked' : ''}`} data-testid="train-launch-reason" role="status">
            {blocker ?? `${form.maxSteps} steps on ${form.target ? form.target : form.device === 'auto' ? 'the best device available' : form.device.toUpperCase()}`}
          </span>
        </div>
      </form>
    </>
  );
}

/** Examples in the chosen version (0 while unknown: presets then assume a small dataset). */
function versionExamples(datasets: ReturnType<typeof useDatasets.getState>, versionId: string): number {
  for (const list of Object.values(datasets.versions)) {
    const v = list?.versions.find((x) => x.id === versionId);
    if (v) return v.exampleCount;
  }
  return datasets.datasets.find((d) => d.latestVersion?.id === versionId)?.latestVersion?.exampleCount ?? 0;
}

function NoDatasets() {
  return (
    <>
      <PageHeader {...pages.train} />
      <EmptyState
        id="train"
        icon={ZapIcon}
        title="Import a dataset first"
        description="A run fine-tunes a base model on a dataset version and records its exact recipe — data, settings, seed and environment — so anyone can reproduce it."
        footer={<CommandLine label="Or build a tiny model and dataset to try it" command="npm run demo" />}
      >
        <ButtonLink href={pageHref('datasets')} variant="primary" icon={ArrowRightIcon}>
          Datasets
        </ButtonLink>
      </EmptyState>
    </>
  );
}

/** Why Launch is disabled, in the words shown beside it; null when the run can start. */
function launchBlocker(s: {
  model: ModelSummary | undefined;
  hasData: boolean;
  source: 'version' | 'recipe';
  payload: Record<string, unknown>;
  estimate: { estimate: RunEstimate | null; error: LatheErrorData | null; loading: boolean };
}): string | null {
  if (!s.model) return 'Choose a base model from the registry, or import one.';
  if (!s.hasData) return s.source === 'recipe' ? 'Choose a recipe.' : 'Choose a dataset with a version.';
  const parsed = startRunArgs.safeParse(s.payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return `Fix “${issue.path.join('.')}”: ${issue.message}.`;
  }
  if (s.estimate.error) return `The estimate failed: ${s.estimate.error.message}`;
  if (s.estimate.loading || !s.estimate.estimate) return 'Checking the model and estimating…';
  return null;
}

const isPreference = (objective: string) => (PREFERENCE_OBJECTIVES as readonly string[]).includes(objective);
