// The rooms of src/ and the direction of their dependencies (ARCHITECTURE.md says why), checked
// by `npm run lint`. A room imports only rooms below it in ROOMS; a room on the same line is as
// far out of reach as one above. `npx depcruise src actions cli` prints every violation.

/** Bottom to top. A line may hold several rooms: they are independent of each other. */
const ROOMS = [
  ['util', 'paths.ts'],
  ['wasm'],
  ['runner/wasi'],
  ['layers'],
  ['build'],
  ['sources'],
  ['cpython/config.ts'],
  ['toolchain'],
  ['workflows'],
  ['cpython'],
  ['faasm'],
  ['runner'],
  ['modules'],
  ['func'],
  ['regrtest'],
  ['release'],
  ['runtime'],
  ['image'],
  ['pipeline.ts'],
  ['commands', 'actions'],
  ['cli.ts'],
];

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A room's files: a folder (less the rooms nested in it) or one top-level file. */
const inRoom = (room) => `^src/${esc(room)}${room.endsWith('.ts') ? '$' : '/'}`;
const nested = (room) =>
  ROOMS.flat()
    .filter((r) => r !== room && r.startsWith(`${room}/`))
    .map(inRoom);

const above = (room, rank) =>
  ROOMS.slice(rank)
    .flat()
    .filter((r) => r !== room && !r.startsWith(`${room}/`));
const layering = ROOMS.flatMap((line, rank) =>
  line
    .filter((room) => above(room, rank).length > 0)
    .map((room) => ({
      name: `room-${room.replace(/\W+/g, '-')}`,
      comment: `${room} imports only the rooms below it: ${ROOMS.slice(0, rank).flat().join(', ') || 'none'}`,
      severity: 'error',
      from: { path: inRoom(room), pathNot: nested(room) },
      to: {
        path: above(room, rank).map(inRoom),
        // Its own files, and the rooms below it nested in a room above (runner/wasi in runner).
        pathNot: [inRoom(room), ...ROOMS.slice(0, rank).flat().map(inRoom)],
      },
    })),
);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No module reaches itself through its imports.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'wasi-is-a-leaf',
      comment: 'runner/wasi implements WASI over a mount table; it imports only util.',
      severity: 'error',
      from: { path: '^src/runner/wasi/' },
      to: { path: '^src/', pathNot: ['^src/runner/wasi/', '^src/util/'] },
    },
    {
      name: 'front-ends-on-top',
      comment:
        'The CLI (src/cli.ts, src/commands) and the actions (src/actions, actions/, cli/) are entry points: nothing else imports them.',
      severity: 'error',
      from: { pathNot: ['^src/cli\\.ts$', '^src/commands/', '^cli/'] },
      to: { path: ['^src/cli\\.ts$', '^src/commands/', '^cli/'] },
    },
    {
      name: 'actions-on-top',
      comment:
        'The action code is imported only by the action entry points (actions/<name>/) and the one bundle that starts them (cli/actions.ts).',
      severity: 'error',
      from: { pathNot: ['^src/actions/', '^actions/', '^cli/actions\\.ts$'] },
      to: { path: ['^src/actions/', '^actions/'] },
    },
    ...layering,
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^dist/', '^node_modules/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
