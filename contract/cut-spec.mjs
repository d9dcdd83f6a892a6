#!/usr/bin/env node
// Cuts GitHub's OpenAPI document (npm `@octokit/openapi`, file
// `generated/api.github.com.json`) down to the REST operations dbarch uses (the methods of
// the `GitHub` trait in src/github/mod.rs), with every component they reference
// (transitively), and normalises what Prism needs. Writes contract/github-subset.json.
//
//   cd contract && npm ci && node cut-spec.mjs            # rewrite github-subset.json
//   cd contract && node cut-spec.mjs --check               # exit 1 if it is stale
//
// Node 20, no dependencies beyond contract/package.json. Deterministic: the same
// @octokit/openapi version gives byte-identical output.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** The operations dbarch calls: path → methods. Keep in step with src/github/mod.rs. */
export const OPERATIONS = {
  "/user": ["get"],
  "/repos/{owner}/{repo}": ["get"],
  "/repos/{owner}/{repo}/assignees/{assignee}": ["get"],
  "/repos/{owner}/{repo}/issues": ["get", "post"],
  "/repos/{owner}/{repo}/issues/{issue_number}": ["patch"],
  "/repos/{owner}/{repo}/issues/{issue_number}/labels": ["post"],
  "/repos/{owner}/{repo}/issues/{issue_number}/comments": ["get", "post"],
  "/repos/{owner}/{repo}/git/ref/{ref}": ["get"],
  "/repos/{owner}/{repo}/git/refs": ["post"],
  "/repos/{owner}/{repo}/git/refs/{ref}": ["patch"],
  "/repos/{owner}/{repo}/git/commits/{commit_sha}": ["get"],
  "/repos/{owner}/{repo}/git/commits": ["post"],
  "/repos/{owner}/{repo}/git/blobs": ["post"],
  "/repos/{owner}/{repo}/git/trees": ["post"],
  "/repos/{owner}/{repo}/contents/{path}": ["get"],
  "/repos/{owner}/{repo}/pulls": ["get", "post"],
  "/repos/{owner}/{repo}/pulls/{pull_number}": ["patch"],
  "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers": ["post"],
  "/repos/{owner}/{repo}/pulls/{pull_number}/reviews": ["get"],
  "/repos/{owner}/{repo}/git/blobs/{file_sha}": ["get"],
};

/**
 * How many path segments a multi-segment parameter (`x-multi-segment: true`: a ref such as
 * `heads/dbarch/review/docs-x`, a file path such as `docs/db/architecture.md`) may span.
 * Prism matches one template variable to exactly one segment, so each extra depth gets its
 * own path (see expandMultiSegment).
 */
const MAX_SEGMENTS = { ref: 6, path: 8 };
// (GitHub also marks `commit_sha` multi-segment; a sha never holds a `/`, so it is left.)

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

function findSourceDocument() {
  // The package's index.js requires every variant (hundreds of MB); read only the one file.
  const pkgJson = require.resolve("@octokit/openapi/package.json");
  const file = join(dirname(pkgJson), "generated", "api.github.com.json");
  const version = JSON.parse(readFileSync(pkgJson, "utf8")).version;
  return { file, version, doc: JSON.parse(readFileSync(file, "utf8")) };
}

/** Every `$ref` string inside `node`. */
function* refsIn(node) {
  if (Array.isArray(node)) {
    for (const x of node) yield* refsIn(x);
  } else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") yield v;
      else yield* refsIn(v);
    }
  }
}

function decodePointerToken(t) {
  return t.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** Copies of the referenced components, walked transitively from `roots`. */
function collectComponents(doc, roots) {
  const out = {};
  const seen = new Set();
  const queue = [...refsIn(roots)];
  while (queue.length) {
    const ref = queue.pop();
    if (seen.has(ref)) continue;
    seen.add(ref);
    const m = /^#\/components\/([^/]+)\/(.+)$/.exec(ref);
    if (!m) throw new Error(`unsupported $ref ${ref} (only #/components/<kind>/<name>)`);
    const [, kind, rawName] = m;
    const name = decodePointerToken(rawName);
    const target = doc.components?.[kind]?.[name];
    if (target === undefined) throw new Error(`dangling $ref ${ref}`);
    (out[kind] ??= {})[name] = target;
    queue.push(...refsIn(target));
  }
  // Stable order: kinds and names sorted.
  const sorted = {};
  for (const kind of Object.keys(out).sort()) {
    sorted[kind] = {};
    for (const name of Object.keys(out[kind]).sort()) sorted[kind][name] = out[kind][name];
  }
  return sorted;
}

const SCHEMA_TYPES = new Set(["string", "number", "integer", "boolean", "object", "array"]);

/**
 * Prism (@stoplight/http-spec) turns OAS 3.0 `nullable: true` into JSON Schema's
 * `type: [T, "null"]`, which needs a `type` beside it. GitHub's document often writes
 * `nullable` next to `allOf`/`oneOf`/`anyOf`/`$ref` and no `type`; Prism then ignores the
 * keyword and rejects `null`, where GitHub accepts it. Fix each such schema:
 *  - when the type can be inferred (an `enum` of one JSON type, or `properties`/`items`),
 *    add that `type` (Prism then adds "null" itself);
 *  - when nothing constrains the value (`{nullable: true}` alone, maybe with a
 *    description), drop `nullable`: any value, null included, already passes;
 *  - otherwise wrap it: `{anyOf: [<schema without nullable>, NULL_ONLY]}`, where NULL_ONLY
 *    is `{type: "string", nullable: true, not: {type: "string"}}`: Prism turns it into
 *    `type: ["string", "null"]` minus strings, i.e. exactly `null`, and it stays valid
 *    OAS 3.0 (`enum: [null]` does not: Prism appends a second `null` and ajv rejects the
 *    duplicate).
 * `nullable: false` without a type means nothing (OAS 3.0.3) and is dropped.
 */
export function normaliseNullable(node, stats = { typed: 0, wrapped: 0, dropped: 0 }) {
  if (Array.isArray(node)) return node.map((x) => normaliseNullable(x, stats));
  if (!node || typeof node !== "object") return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    // Examples are data, not schemas: leave them byte for byte.
    out[k] = k === "example" || k === "examples" || k === "enum" || k === "default" ? v : normaliseNullable(v, stats);
  }
  if (!("nullable" in out) || "type" in out || !looksLikeSchema(out)) return out;
  if (out.nullable !== true) {
    delete out.nullable;
    stats.dropped++;
    return out;
  }
  const inferred = inferType(out);
  if (inferred) {
    stats.typed++;
    return { type: inferred, ...out };
  }
  const { nullable: _n, description, title, ...rest } = out;
  if (!CONSTRAINTS.some((k) => k in rest)) {
    delete out.nullable;
    stats.dropped++;
    return out;
  }
  stats.wrapped++;
  const wrapped = { anyOf: [rest, { type: "string", nullable: true, not: { type: "string" } }] };
  if (title !== undefined) wrapped.title = title;
  if (description !== undefined) wrapped.description = description;
  return wrapped;
}

const CONSTRAINTS = ["allOf", "oneOf", "anyOf", "not", "$ref", "enum", "properties", "additionalProperties", "items", "format", "pattern", "minimum", "maximum", "minLength", "maxLength", "required"];

function looksLikeSchema(o) {
  return ["allOf", "oneOf", "anyOf", "$ref", "enum", "properties", "items", "nullable"].some((k) => k in o) &&
    !("in" in o && "name" in o); // not a Parameter Object
}

function inferType(o) {
  if (Array.isArray(o.enum)) {
    const types = new Set(o.enum.filter((x) => x !== null).map((x) => (Number.isInteger(x) ? "integer" : typeof x)));
    if (types.size === 1) {
      const [t] = types;
      if (SCHEMA_TYPES.has(t)) return t;
    }
  }
  if ("properties" in o || "additionalProperties" in o) return "object";
  if ("items" in o) return "array";
  return null;
}

/**
 * Prism matches a `{param}` to exactly one path segment (it splits on `/` first), but
 * GitHub marks some path parameters `x-multi-segment: true` (`ref` = `heads/main`, a
 * contents `path` = `docs/x.md`) and clients send them with literal slashes. For each such
 * parameter add paths `{p_1}/{p_2}`, ..., up to MAX_SEGMENTS deep, with the same
 * operations and a string path parameter per segment. The original one-segment path stays
 * (it also serves a `%2F`-encoded value, which Prism decodes after splitting).
 */
function expandMultiSegment(paths, components) {
  const resolveParam = (p) => {
    if (!p.$ref) return p;
    const name = decodePointerToken(p.$ref.replace(/^#\/components\/parameters\//, ""));
    return components.parameters[name];
  };
  const out = {};
  for (const [path, item] of Object.entries(paths)) {
    out[path] = item;
    const multi = new Set();
    for (const method of METHODS.filter((m) => item[m])) {
      for (const p of [...(item.parameters ?? []), ...(item[method].parameters ?? [])]) {
        const r = resolveParam(p);
        if (r?.in === "path" && r["x-multi-segment"] === true && r.name in MAX_SEGMENTS) multi.add(r.name);
      }
    }
    for (const name of multi) {
      const max = MAX_SEGMENTS[name];
      for (let depth = 2; depth <= max; depth++) {
        const segs = Array.from({ length: depth }, (_, i) => `${name}_${i + 1}`);
        const newPath = path.replace(`{${name}}`, segs.map((s) => `{${s}}`).join("/"));
        const replaceParams = (params) => {
          if (!params) return params;
          const res = [];
          for (const p of params) {
            const r = resolveParam(p);
            if (r?.in === "path" && r.name === name) {
              segs.forEach((s, i) =>
                res.push({
                  name: s,
                  description: `Segment ${i + 1} of ${depth} of the multi-segment \`${name}\` parameter (expanded for Prism by contract/cut-spec.mjs).`,
                  in: "path",
                  required: true,
                  schema: { type: "string" },
                }),
              );
            } else res.push(p);
          }
          return res;
        };
        const newItem = {};
        for (const [k, v] of Object.entries(item)) {
          if (k === "parameters") newItem.parameters = replaceParams(v);
          else if (METHODS.includes(k)) {
            newItem[k] = { ...v, operationId: `${v.operationId}--${name}-${depth}-segments`, parameters: replaceParams(v.parameters) };
          } else newItem[k] = v;
        }
        out[newPath] = newItem;
      }
    }
  }
  return out;
}

/**
 * Media types GitHub answers but its document does not list. Prism negotiates on the exact
 * `Accept` value and answers 406 for one it does not find, while clients send GitHub's
 * recommended `application/vnd.github+json` (or the older `.v3+json`), and read a file's
 * bytes with the raw media type. Every response with `application/json` content also gets
 * the JSON aliases (same schema and examples); the contents endpoint's 200 also gets the
 * raw types (a string body: the file itself).
 */
const JSON_ALIASES = ["application/vnd.github+json", "application/vnd.github.v3+json"];
// Not `application/vnd.github.raw+json`: Prism JSON-encodes bodies of `+json` types, so it
// would serve the file as a quoted JSON string, which GitHub does not; better a clear 406.
const RAW_TYPES = ["application/vnd.github.raw", "application/vnd.github.v3.raw"];
const RAW_CONTENT = {
  schema: { type: "string", description: "The file's raw bytes (GitHub's raw media type; added by contract/cut-spec.mjs)." },
  example: "# Database Architecture\n",
};

function addMediaTypeAliases(response, { raw = false } = {}) {
  const content = response?.content;
  if (!content || !content["application/json"]) return response;
  const extra = {};
  for (const t of JSON_ALIASES) if (!content[t]) extra[t] = content["application/json"];
  if (raw) for (const t of RAW_TYPES) if (!content[t]) extra[t] = RAW_CONTENT;
  return { ...response, content: { ...content, ...extra } };
}

function aliasResponses(paths, components) {
  for (const [path, item] of Object.entries(paths)) {
    for (const m of METHODS.filter((k) => item[k])) {
      const responses = {};
      for (const [code, r] of Object.entries(item[m].responses ?? {})) {
        responses[code] = r.$ref ? r : addMediaTypeAliases(r, { raw: path.includes("/contents/") && m === "get" && code === "200" });
      }
      item[m] = { ...item[m], responses };
    }
  }
  for (const [name, r] of Object.entries(components.responses ?? {})) components.responses[name] = addMediaTypeAliases(r);
}

/**
 * A static mock serves one page: GitHub sends no `Link` header then. The document's
 * example `Link` points `rel="next"` at https://api.github.com/resource?page=2, which a
 * client following pagination would try to fetch; so response `Link` headers are dropped.
 */
function withoutLinkHeader(response) {
  if (!response?.headers) return response;
  const headers = Object.fromEntries(Object.entries(response.headers).filter(([name]) => name.toLowerCase() !== "link"));
  const { headers: _h, ...rest } = response;
  return Object.keys(headers).length ? { ...rest, headers } : rest;
}

function stripLinkHeaders(operation) {
  const responses = Object.fromEntries(Object.entries(operation.responses ?? {}).map(([c, r]) => [c, withoutLinkHeader(r)]));
  return { ...operation, responses };
}

/**
 * 5. GitHub's own examples of base64 `content` (contents API, blobs) hold literal `\\n`
 * sequences and corrupt padding, which no real response has; a client that decodes
 * strictly would stop there and the rest of its calls would go unchecked. Such examples
 * get valid base64 of a small document.
 */
export function fixBase64Examples(node, stats = { fixed: 0 }) {
  if (Array.isArray(node)) {
    node.forEach((n) => fixBase64Examples(n, stats));
  } else if (node && typeof node === "object") {
    if (node.encoding === "base64" && typeof node.content === "string") {
      const clean = node.content.replace(/\s/g, "");
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
        node.content = Buffer.from("# Database Architecture\n").toString("base64");
        stats.fixed += 1;
      }
    }
    for (const v of Object.values(node)) fixBase64Examples(v, stats);
  }
  return stats;
}

export function cut(doc, sourceVersion) {
  const paths = {};
  for (const [path, methods] of Object.entries(OPERATIONS)) {
    const item = doc.paths[path];
    if (!item) throw new Error(`path ${path} is not in the source document`);
    const kept = {};
    for (const [k, v] of Object.entries(item)) {
      if (!METHODS.includes(k)) kept[k] = v; // summary, parameters, servers, ...
    }
    for (const m of methods) {
      if (!item[m]) throw new Error(`${m.toUpperCase()} ${path} is not in the source document`);
      kept[m] = stripLinkHeaders(item[m]);
    }
    paths[path] = kept;
  }
  const source = {
    ...doc,
    components: {
      ...doc.components,
      responses: Object.fromEntries(Object.entries(doc.components.responses ?? {}).map(([n, r]) => [n, withoutLinkHeader(r)])),
    },
  };
  const components = collectComponents(source, paths);
  const usedTags = new Set(Object.values(paths).flatMap((i) => METHODS.flatMap((m) => i[m]?.tags ?? [])));
  const stats = { typed: 0, wrapped: 0, dropped: 0 };
  const normalisedComponents = normaliseNullable(components, stats);
  const normalisedPaths = normaliseNullable(paths, stats);
  aliasResponses(normalisedPaths, normalisedComponents);
  const out = {
    openapi: doc.openapi,
    info: {
      ...doc.info,
      title: `${doc.info.title} (dbarch subset)`,
      description:
        `The operations dbarch calls, cut from @octokit/openapi ${sourceVersion} ` +
        `(generated/api.github.com.json) by contract/cut-spec.mjs, with every referenced ` +
        `component, nullable schemas fixed, GitHub's JSON and raw media types listed, ` +
        `response Link headers dropped (one page), and multi-segment path parameters ` +
        `expanded for Prism (see contract/README.md). Do not edit by hand: rerun the script.`,
      "x-source": { package: "@octokit/openapi", version: sourceVersion, file: "generated/api.github.com.json" },
    },
    servers: doc.servers,
    tags: (doc.tags ?? []).filter((t) => usedTags.has(t.name)),
    externalDocs: doc.externalDocs,
    paths: expandMultiSegment(normalisedPaths, normalisedComponents),
    components: normalisedComponents,
  };
  fixBase64Examples(out);
  return { spec: out, stats };
}

function main() {
  const check = process.argv.includes("--check");
  const { version, doc } = findSourceDocument();
  const { spec, stats } = cut(doc, version);
  const text = JSON.stringify(spec, null, 1) + "\n";
  const target = join(here, "github-subset.json");
  const ops = Object.values(spec.paths).reduce((n, i) => n + METHODS.filter((m) => i[m]).length, 0);
  const comps = Object.entries(spec.components).map(([k, v]) => `${Object.keys(v).length} ${k}`).join(", ");
  const summary =
    `@octokit/openapi ${version}: ${Object.keys(spec.paths).length} paths, ${ops} operations, ${comps}; ` +
    `nullable without type: ${stats.typed} typed, ${stats.wrapped} wrapped, ${stats.dropped} dropped; ` +
    `${Math.round(text.length / 1024)} KiB`;
  if (check) {
    let current = "";
    try {
      current = readFileSync(target, "utf8");
    } catch {}
    if (current !== text) {
      console.error(`contract/github-subset.json is stale: run \`node contract/cut-spec.mjs\` (${summary})`);
      process.exit(1);
    }
    console.log(`contract/github-subset.json is up to date (${summary})`);
    return;
  }
  writeFileSync(target, text);
  console.log(`wrote contract/github-subset.json (${summary})`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
