/**
 * The pipeline's layers, lowest first. A module may import from its own layer and the layers below
 * it, never from one above (`npx depcruise components stacks tools index.ts`, run by the unit suite).
 */
const LAYERS = [
  ["rules"],
  ["remote"],
  ["nodes"],
  ["k3s"],
  ["day-two"],
  ["cluster", "registries"],
  ["airgap"],
  ["addons"],
  ["plan"],
];

const forbidden = LAYERS.flatMap((layer, i) => {
  const higher = LAYERS.slice(i + 1).flat();
  if (higher.length === 0) return [];
  return [{
    name: `${layer.join("-")}-imports-higher-layer`,
    comment: `${layer.join(", ")} may only import from ${LAYERS.slice(0, i + 1).flat().join(", ")}`,
    severity: "error",
    from: { path: `^components/(${layer.join("|")})/` },
    to: { path: `^components/(${higher.join("|")})/` },
  }];
});

module.exports = {
  forbidden: [
    ...forbidden,
    {
      name: "components-import-stacks-or-tools",
      comment: "components are the library; the stack program (stacks/) and command-line tools (tools/) sit on top of them",
      severity: "error",
      from: { path: "^components/" },
      to: { path: "^(stacks|tools|scripts)/" },
    },
    {
      name: "library-entry-on-top",
      comment: "components/index.ts is the library's entry and sits above every layer: no component imports it",
      severity: "error",
      from: { path: "^components/", pathNot: "^components/index\\.ts$" },
      to: { path: "^components/index\\.ts$" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "node_modules" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
  },
};
