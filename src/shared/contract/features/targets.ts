import { z } from 'zod';
import { handler } from '../define.js';

/**
 * Compute targets (issue 18): where a run's trainer runs. `local` is this machine (always there, never stored); an
 * `ssh` target is a GPU server reached with the user's own SSH keys or agent (Lathe never stores a password), where
 * Lathe copies its trainer package and each run's data and base model, follows the trainer's protocol lines over the
 * connection and copies the weights back, verified by sha256 both ways.
 */

/** The ssh -o options a target may set; anything else (ProxyCommand, LocalCommand…) would run commands here. */
export const SSH_OPTION_NAMES = [
  'UserKnownHostsFile', 'StrictHostKeyChecking', 'ConnectTimeout', 'ProxyJump', 'IdentitiesOnly', 'ServerAliveInterval',
  'ServerAliveCountMax', 'Compression', 'HostKeyAlias', 'CertificateFile', 'IdentityAgent',
] as const;

const sshOption = z
  .string()
  .regex(/^[A-Za-z]+=[^\s'"`$;|&<>\\]+$/, 'an ssh option is Name=value without spaces or shell characters')
  .refine((o) => (SSH_OPTION_NAMES as readonly string[]).includes(o.split('=')[0]!), { message: `allowed ssh options: ${SSH_OPTION_NAMES.join(', ')}` });

/** A name to type in `lathe targets …` and pick on the Train page. */
const targetName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a target name is lower-case letters, digits, dot, dash or underscore').refine((n) => n !== 'local', { message: '"local" is this machine' });
/** An absolute POSIX path on the target. */
const remotePath = z.string().regex(/^\/[^\0\n]*$/, 'a path on the target must be absolute (start with /)').max(1024);

/** How to reach a machine over SSH: the user's own keys or agent, never a password. */
export const sshConnectionSchema = z.object({
  /** The user's account on the target. */
  user: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'a user name is letters, digits, dot, dash or underscore'),
  /** A host name or IP address (never starting with "-": it would be read as an ssh option). */
  host: z.string().regex(/^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]+\])$/, 'a host is a name or an IP address'),
  port: z.number().int().min(1).max(65_535).default(22),
  /** A private key file on this machine; unset: the SSH agent and ssh's own defaults. */
  identityFile: z.string().regex(/^[^'\n\0]+$/, 'a key file path without single quotes or line breaks').nullable().default(null),
  /** Extra ssh -o options from an allowed list (known-hosts file, jump host…). */
  sshOptions: z.array(sshOption).max(16).default([]),
});

const workPlace = {
  /** The Python on the target with torch, transformers and peft (the offline bundle's environment). */
  python: remotePath,
  /** Lathe's folder on the target: its trainer package, runs and staged base models (on a Slurm cluster: a shared filesystem). */
  workDir: remotePath,
};

export const sshTargetSchema = sshConnectionSchema.extend(workPlace);
export type SshTarget = z.infer<typeof sshTargetSchema>;

/** A Slurm partition, account or similar name. */
const slurmName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a Slurm name is letters, digits, dot, dash or underscore');

/** What each job asks Slurm for (a saved profile of sbatch options). */
export const slurmJobSchema = z.object({
  partition: slurmName.nullable().default(null),
  account: slurmName.nullable().default(null),
  /** Machines a run spans (--nodes); each runs the trainer under torchrun, joined by its c10d rendezvous. */
  nodes: z.number().int().min(1).max(64).default(1),
  /** GPUs per node (--gres=gpu:N), one trainer process each; 0 for CPU-only jobs. */
  gpusPerNode: z.number().int().min(0).max(64).default(0),
  cpusPerTask: z.number().int().min(1).max(1024).default(4),
  /** --mem, e.g. 64G; unset: the partition's default. */
  memory: z.string().regex(/^\d+[KMGT]?$/, 'memory is a number with an optional K, M, G or T').nullable().default(null),
  /** --time, e.g. 12:00:00 or 2-00:00:00; unset: the partition's default. */
  timeLimit: z.string().regex(/^(\d{1,3}-)?\d{1,3}(:\d{2}){0,2}$/, 'a time limit is [D-]HH[:MM[:SS]]').nullable().default(null),
  /** More sbatch options, each one --name or --name=value (no spaces or shell characters). */
  extraSbatch: z.array(z.string().regex(/^--[a-z][a-z0-9-]*(=[^\s'"`$;|&<>\\]+)?$/, 'an sbatch option is --name or --name=value without spaces or shell characters')).max(16).default([]),
});

export const slurmTargetSchema = z.object({
  /** The login node where sbatch, squeue and scancel run; null: on this machine (it has Slurm's commands and the shared filesystem). */
  via: sshConnectionSchema.nullable().default(null),
  /** SLURM_CONF for the commands when the cluster's slurm.conf is not the system's. */
  slurmConf: remotePath.nullable().default(null),
  job: slurmJobSchema,
  /**
   * Runs Lathe hands this cluster at once (each its own Slurm job; Slurm queues and places them, giving each its own
   * GPUs). An SSH server takes one at a time: nothing there would keep two runs off the same GPU.
   */
  maxRuns: z.number().int().min(1).max(64).default(1),
  ...workPlace,
});
export type SlurmTarget = z.infer<typeof slurmTargetSchema>;

/** What a connection test found on the target. */
export const targetTestSchema = z.object({
  ok: z.boolean(),
  at: z.string(),
  message: z.string(),
  hint: z.string(),
  /** The target's own report (python -m lathe_trainer doctor) when the test got that far. */
  python: z.string().nullable(),
  torch: z.string().nullable(),
  gpus: z.array(z.object({ name: z.string(), vramBytes: z.number().nullable() })),
  /** A Slurm target's partition as sinfo reports it (nodes, their state, CPUs and GPUs). */
  queue: z.string().nullable().default(null),
  seconds: z.number(),
});
export type TargetTest = z.infer<typeof targetTestSchema>;

export const computeTargetSchema = z.object({
  name: z.string(),
  kind: z.enum(['local', 'ssh', 'slurm']),
  /** ssh://user@host:port, slurm:// (this machine's Slurm), slurm+ssh://user@login-node, or "this machine". */
  address: z.string(),
  ssh: sshTargetSchema.nullable(),
  slurm: slurmTargetSchema.nullable(),
  createdAt: z.string().nullable(),
  createdBy: z.string().nullable(),
  lastTest: targetTestSchema.nullable(),
  /** Runs training or waiting there now. */
  running: z.number().int(),
  queued: z.number().int(),
});
export type ComputeTarget = z.infer<typeof computeTargetSchema>;

export const addTargetArgs = z
  .object({
    name: targetName,
    /** ssh://user@host[:port] (a GPU server), slurm:// (Slurm on this machine) or slurm+ssh://user@login-node[:port]. */
    url: z.string().regex(/^(ssh|slurm|slurm\+ssh):\/\/[^\s]*$/, 'a target is ssh://user@host[:port], slurm:// or slurm+ssh://user@login-node[:port]'),
    python: remotePath,
    workDir: remotePath,
    identityFile: z.string().min(1).optional(),
    sshOptions: z.array(sshOption).max(16).default([]),
    /** Slurm targets: what each job asks for. */
    slurm: slurmJobSchema.partial().optional(),
    slurmConf: remotePath.optional(),
    /** Slurm targets: runs handed to the cluster at once (default 1). */
    maxRuns: z.number().int().min(1).max(64).optional(),
  })
  .strict();

export const targetHandlers = {
  'targets.list': handler({
    summary: 'This machine and every saved compute target, with its last connection test and its runs.',
    args: z.object({}).strict(),
    result: z.object({ targets: z.array(computeTargetSchema) }),
    writes: false,
  }),
  'targets.add': handler({
    summary: 'Saves a compute target: an SSH server (ssh://user@host[:port]) or a Slurm cluster (slurm://, slurm+ssh://user@login-node); credentials stay in your SSH keys or agent.',
    args: addTargetArgs,
    result: computeTargetSchema,
    writes: true,
  }),
  'targets.test': handler({
    summary: "Connects to a target, installs Lathe's trainer there and reports its Python, torch and GPUs.",
    args: z.object({ name: z.string().min(1) }).strict(),
    result: targetTestSchema,
    writes: true,
  }),
  'targets.remove': handler({
    summary: 'Forgets a compute target (runs that trained there keep their record).',
    args: z.object({ name: z.string().min(1) }).strict(),
    result: z.object({ removed: z.boolean() }),
    writes: true,
  }),
};
