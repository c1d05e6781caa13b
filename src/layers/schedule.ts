/** A unit of work that may start once every unit it names in `deps` has finished. */
export interface GraphNode {
  name: string;
  deps: readonly string[];
}

/**
 * Runs `run` for every node, each as soon as its dependencies have finished and fewer than
 * `limit` are running: independent layers (the C libraries and the build Python) build at once.
 * After a failure nothing new starts; the running ones finish, then the first error is thrown.
 * Nodes must come dependencies first (as planned layers do).
 */
export async function runGraph<T extends GraphNode>(
  nodes: readonly T[],
  limit: number,
  run: (node: T) => Promise<void>,
): Promise<void> {
  const done = new Set<string>();
  const started = new Set<string>();
  const names = new Set(nodes.map((n) => n.name));
  let running = 0;
  let failure: { error: unknown } | undefined;
  await new Promise<void>((resolve) => {
    const pump = () => {
      if (!failure) {
        for (const node of nodes) {
          if (running >= limit) break;
          if (started.has(node.name)) continue;
          if (!node.deps.every((d) => done.has(d) || !names.has(d))) continue;
          started.add(node.name);
          running++;
          run(node).then(
            () => {
              done.add(node.name);
              running--;
              pump();
            },
            (error: unknown) => {
              failure ??= { error };
              running--;
              pump();
            },
          );
        }
      }
      if (running === 0) resolve();
    };
    pump();
  });
  if (failure) throw failure.error;
}
