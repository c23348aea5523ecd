/** Running jobs that can be cancelled by id (imports now; training and evals later). */
export class JobRegistry {
  private readonly jobs = new Map<string, { cancel(): void }>();

  add(id: string, job: { cancel(): void }): () => void {
    this.jobs.set(id, job);
    return () => this.jobs.delete(id);
  }

  cancel(id: string): boolean {
    const job = this.jobs.get(id);
    job?.cancel();
    return job !== undefined;
  }

  cancelAll(): void {
    for (const job of this.jobs.values()) job.cancel();
  }
}
