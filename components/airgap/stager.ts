import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { remoteScript } from "../remote/command";
import { LOGIN_NAME } from "../rules/address";
import { InstallStager, StagedInstall } from "../k3s/types";
import { NodeSpec } from "../nodes/types";
import { versionSlug } from "./assets";
import { LoadedBundle, LoadedFile } from "./bundle";
import { sha256String } from "./hash";
import { renderSelinuxPreInstall, selinuxRpmName, SelinuxTarget } from "./selinux";
import { IMAGES_DIR, renderPreInstall, renderStageDirScript, renderVerifyScript, STAGE_ROOT, StagedFile } from "./scripts";

/** install.sh must not download: the binary is put in place by preInstall (reference §1, SKIP_DOWNLOAD). */
export const AIRGAP_ENV = { INSTALL_K3S_SKIP_DOWNLOAD: "true" } as const;


/**
 * Stages a k3s install from a loaded bundle on each node: a staging directory, one CopyToRemote per
 * file of the node's arch (named by node, arch, file and version, triggered by the file's SHA-256, so
 * an unchanged bundle uploads nothing and a new version uploads only its own files), then a verify
 * command that checks each file with sha256sum on the node and moves it into place.
 */
export function airgapStager(bundle: LoadedBundle): InstallStager {
  return {
    stage(node: NodeSpec, conn: command.types.input.remote.ConnectionArgs, parent: pulumi.Resource): StagedInstall {
      const files = bundle.arches[node.arch];
      if (!files) {
        // The planner loads the bundle for every node (components/plan), so this is a caller's mistake.
        throw new Error(`airgapStager: node ${node.name} is ${node.arch}, which the loaded bundle does not cover; pass every node to loadBundle`);
      }
      const user = node.connection.user ?? "root";
      if (!LOGIN_NAME.test(user)) throw new Error(`airgapStager: node ${node.name}: SSH user '${user}' is not a valid login name; inventory users are checked when parsed (rules/address.ts userSchema)`);

      const slug = versionSlug(bundle.version);
      const dir = `${STAGE_ROOT}/${slug}`;
      const imagesName = path.basename(files.images.path);
      const prefix = `${node.name}-airgap-${node.arch}`;
      // k3s-selinux builds are noarch and small: every node gets them all and installs its family's (only with SELinux on).
      const selinux = Object.entries(bundle.selinux?.files ?? {}) as Array<[SelinuxTarget, LoadedFile]>;
      const uploads: Array<{ label: string; file: LoadedFile; name: string; dest: string; mode: string }> = [
        { label: "k3s", file: files.k3s, name: "k3s", dest: `${dir}/k3s`, mode: "0755" },
        { label: "images", file: files.images, name: imagesName, dest: `${IMAGES_DIR}/${imagesName}`, mode: "0644" },
        { label: "install-sh", file: bundle.installScript, name: "install.sh", dest: `${dir}/install.sh`, mode: "0755" },
        // Images the stack deploys itself (kube-vip on servers), imported by k3s like its own.
        ...bundle.images.flatMap((img) => {
          const file = img.files[node.arch];
          if (!img.roles.includes(node.role) || !file) return [];
          const name = path.basename(file.path);
          return [{ label: `image-${img.key}`, file, name, dest: `${IMAGES_DIR}/k3s-stacks-${name}`, mode: "0644" }];
        }),
        ...selinux.map(([target, file]) => {
          const name = selinuxRpmName(bundle.selinux!.version, target);
          return { label: `selinux-${target}`, file, name, dest: `${dir}/selinux/${name}`, mode: "0644" };
        }),
      ];

      const stageDir = remoteScript(
        `${prefix}-dir-${slug}`,
        { connection: node.connection, script: renderStageDirScript({ dir, user }), phases: ["create", "delete"] },
        // Replacing must never run the old delete (rm -rf) after the new create.
        { parent, dependsOn: node.dependsOn, deleteBeforeReplace: true },
      );
      const copies = uploads.map(
        (u) =>
          new command.remote.CopyToRemote(
            `${prefix}-${u.label}-${slug}`,
            { connection: conn, source: new pulumi.asset.FileAsset(u.file.assetPath), remotePath: `${dir}/upload/${u.name}`, triggers: [u.file.sha256] },
            { parent, dependsOn: [stageDir] },
          ),
      );

      const staged: StagedFile[] = uploads.map((u) => ({ name: u.name, sha256: u.file.sha256, dest: u.dest, mode: u.mode, resource: `${prefix}-${u.label}-${slug}` }));
      const trigger = sha256String(JSON.stringify({ version: bundle.version, files: staged.map((f) => [f.name, f.sha256]) }));
      const verify = remoteScript(
        `${prefix}-verify-${slug}`,
        {
          connection: node.connection,
          script: renderVerifyScript({ node: node.name, dir, files: staged, imagesPrefix: `k3s-airgap-images-${node.arch}.` }),
          values: [node.name],
          phases: ["create"],
          triggers: [trigger],
        },
        { parent, dependsOn: copies },
      );
      return {
        ready: [verify],
        scriptPath: `${dir}/install.sh`,
        env: { ...AIRGAP_ENV },
        trigger,
        preInstall: [
          renderPreInstall({ dir, k3sSha256: files.k3s.sha256, node: node.name }),
          // Without builds in the bundle too: an SELinux host then fails here naming the rebuild.
          renderSelinuxPreInstall({ node: node.name, dir, version: bundle.selinux?.version, targets: selinux.map(([t]) => t) }),
        ].join("\n"),
      };
    },
  };
}
