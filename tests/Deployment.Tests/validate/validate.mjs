// Checks a published tree (aspire publish's output) independently of the .NET code that wrote it:
// every Kubernetes and KEDA document against the upstream schemas (kubernetes-models), every Dapr
// document against the fields Dapr requires (no schema of Dapr's is served), every kustomization's
// references against the files beside it. Exits 1 on the first kind it does not know, or any failure.
//   node validate.mjs <published folder>
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { join, relative, dirname } from "node:path";
import { parseAllDocuments } from "yaml";

const root = process.argv[2];
if (!root) {
  console.error("usage: node validate.mjs <published folder>");
  process.exit(2);
}

const files = (function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith(".yaml") ? [path] : [];
  });
})(root).sort();

// What Dapr itself refuses to load without (docs: component, subscription, configuration, resiliency specs).
const daprRequired = {
  Component: (d) => [
    need(d, "metadata.name"), need(d, "spec.type"), need(d, "spec.version"),
    ...(d.spec?.metadata ?? []).map((m, i) =>
      m?.name && (m.value !== undefined || m.secretKeyRef?.name) ? null : `spec.metadata[${i}] needs a name and a value or secretKeyRef`),
  ],
  Subscription: (d) => [need(d, "metadata.name"), need(d, "spec.pubsubname"), need(d, "spec.topic"), need(d, "spec.route")],
  Configuration: (d) => [need(d, "metadata.name"), need(d, "spec")],
  Resiliency: (d) => [need(d, "metadata.name"), need(d, "spec.policies"), need(d, "spec.targets")],
};

function need(document, path) {
  const value = path.split(".").reduce((node, key) => node?.[key], document);
  return value === undefined || value === null || value === "" ? `${path} is required` : null;
}

async function model(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const module = group === "" ? `kubernetes-models/${version}/${kind}`
    : group === "keda.sh" ? `@kubernetes-models/keda/keda.sh/${version}/${kind}`
    : `kubernetes-models/${group}/${version}/${kind}`;
  try {
    return (await import(module))[kind];
  } catch {
    return undefined;
  }
}

let documents = 0;
const failures = [];
for (const file of files) {
  const name = relative(root, file);
  for (const parsed of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (parsed.errors.length > 0) {
      failures.push(`${name}: ${parsed.errors.map((e) => e.message).join("; ")}`);
      continue;
    }

    const document = parsed.toJS();
    if (document === null) continue;
    documents++;
    const { apiVersion, kind } = document;
    const where = `${name}: ${kind} ${document.metadata?.name ?? ""}`;
    if (apiVersion === "kustomize.config.k8s.io/v1beta1") {
      for (const resource of document.resources ?? []) {
        if (!existsSync(join(dirname(file), resource))) failures.push(`${where}: resource ${resource} does not exist`);
      }
      continue;
    }

    if (apiVersion?.startsWith("dapr.io/")) {
      const check = daprRequired[kind];
      if (!check) failures.push(`${where}: no check for Dapr kind ${kind}`);
      else failures.push(...check(document).filter(Boolean).map((m) => `${where}: ${m}`));
      continue;
    }

    const Model = await model(apiVersion, kind);
    if (!Model) {
      failures.push(`${where}: no schema for ${apiVersion} ${kind}`);
      continue;
    }

    try {
      new Model(document).validate();
    } catch (error) {
      failures.push(`${where}: ${error.message}`);
    }
  }
}

for (const failure of failures) console.error(failure);
console.log(`${documents} documents in ${files.length} files, ${failures.length} failures`);
process.exit(failures.length === 0 ? 0 : 1);
