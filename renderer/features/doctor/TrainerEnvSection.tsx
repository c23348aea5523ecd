import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { useCan } from '../../stores/session.js';
import { JobProgress } from '../models/JobProgress.js';
import { useTrainerEnv, type TrainerEnv } from './use-trainer-env.js';

const stateText: Record<TrainerEnv['state'], string> = {
  ready: 'Ready: made from the wheels Lathe was installed with',
  stale: 'Made from older wheels: this Lathe brought new ones',
  missing: 'Not set up yet',
  'no-wheelhouse': '',
};

/**
 * An installed app's trainer environment (<data>/python-env), made offline from the wheels its installer carries.
 * Shown only when there is a bundled wheelhouse; the engine starts the setup by itself on first start, and this
 * section follows that job (or starts it again: after a failure, or to rebuild).
 */
export function TrainerEnvSection() {
  const { env, job, error, setUp } = useTrainerEnv();
  const canSetUp = useCan('admin');
  if (!env || env.state === 'no-wheelhouse') return null;
  const running = job?.state === 'running';

  return (
    <div className="drawer-section" data-testid="trainer-env">
      <div className="drawer-section-title">Trainer environment</div>
      <p className={`trainer-env-state is-${env.state}`} data-testid="trainer-env-state">
        {running ? 'Setting up from the bundled wheels (offline, each wheel checked against its hash)…' : stateText[env.state]}
      </p>
      {job && running && <JobProgress job={job} testId="trainer-env-progress" />}
      {job?.state === 'failed' && (
        <ErrorAlert title="Setting the trainer's environment up failed" error={{ code: 'PYTHON_MISSING', message: job.message, hint: 'The environment that worked before (if any) is kept. Fix what the message says, then try again.' }} />
      )}
      {error && <ErrorAlert title="Could not set the trainer's environment up" error={error} />}
      <code className="path">{env.envDir}</code>
      {env.pythons.length > 0 && <p className="check-hint">The wheels are for CPython {env.pythons.join(', ')}; Lathe uses the one found on this machine.</p>}
      {canSetUp && !running && (
        <div>
          <Button size="sm" variant={env.state === 'ready' ? 'secondary' : 'primary'} onClick={() => void setUp(env.state === 'ready')} data-testid="trainer-env-setup">
            {env.state === 'ready' ? 'Rebuild' : job?.state === 'failed' ? 'Try again' : "Set up the trainer's environment"}
          </Button>
        </div>
      )}
    </div>
  );
}
