import { z } from "zod";
import { IMAGE_FORMATS } from "./assets";

/** Bundle manifest layout version; bump on incompatible changes. */
export const MANIFEST_FORMAT = 1;
export const MANIFEST_NAME = "manifest.json";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "must be a lowercase hex SHA-256");
/** Paths are relative to the bundle directory and may not escape it. */
const relPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), "must be a path inside the bundle");

export const bundleFileSchema = z.object({ path: relPath, sha256, size: z.number().int().nonnegative() }).strict();
export type BundleFile = z.infer<typeof bundleFileSchema>;

export const archEntrySchema = z
  .object({
    /** The k3s binary under its release name (k3s, k3s-arm64, k3s-armhf). */
    k3s: bundleFileSchema,
    images: bundleFileSchema.refine(
      (f) => IMAGE_FORMATS.some((ext) => f.path.endsWith(`.${ext}`)),
      `must end in one of ${IMAGE_FORMATS.map((e) => `.${e}`).join(", ")}`,
    ),
    /** The release's sha256sum-<arch>.txt, kept so the binary and images can be re-checked offline. */
    checksums: bundleFileSchema,
  })
  .strict();
export type ArchEntry = z.infer<typeof archEntrySchema>;

export const chartEntrySchema = z
  .object({ chart: z.string().min(1), repo: z.string().min(1), version: z.string().min(1), path: relPath, sha256, size: z.number().int().nonnegative() })
  .strict();
export type ChartEntry = z.infer<typeof chartEntrySchema>;

/** An image deployed outside the k3s image tarballs (kube-vip), one OCI layout tarball per arch. */
export const imageEntrySchema = z
  .object({
    /** repository:tag, as the manifests that use it name it. */
    ref: z.string().min(1),
    arches: z.object({ amd64: bundleFileSchema.optional(), arm64: bundleFileSchema.optional(), arm: bundleFileSchema.optional() }).strict(),
  })
  .strict();
export type ImageEntry = z.infer<typeof imageEntrySchema>;

/** k3s-selinux policy builds (noarch, one per OS family build; components/airgap/selinux.ts). */
export const selinuxEntrySchema = z
  .object({
    /** `<version>-<release>` of k3s-selinux, e.g. 1.6-1. */
    version: z.string().regex(/^[0-9][0-9.]*-[0-9]+$/),
    repo: z.string().min(1),
    files: z.object({ el7: bundleFileSchema.optional(), el8: bundleFileSchema.optional(), el9: bundleFileSchema.optional(), sle: bundleFileSchema.optional(), slemicro: bundleFileSchema.optional() }).strict(),
  })
  .strict();
export type SelinuxEntry = z.infer<typeof selinuxEntrySchema>;

export const manifestSchema = z
  .object({
    format: z.literal(MANIFEST_FORMAT),
    version: z.string().min(1),
    createdAt: z.string(),
    sources: z.object({ artifactUrl: z.string(), installScriptUrl: z.string(), chartRepos: z.record(z.string(), z.string()) }).strict(),
    installScript: bundleFileSchema,
    arches: z.object({ amd64: archEntrySchema.optional(), arm64: archEntrySchema.optional(), arm: archEntrySchema.optional() }).strict(),
    charts: z.record(z.string(), chartEntrySchema),
    /** Pinned images by key (components/addons/charts.ts PINNED_IMAGES); absent in bundles built before. */
    images: z.record(z.string(), imageEntrySchema).optional(),
    selinux: selinuxEntrySchema.optional(),
  })
  .strict();
export type BundleManifest = z.infer<typeof manifestSchema>;
