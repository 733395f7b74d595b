/**
 * A small, self-contained HTML page that renders an OpenAPI document: operations with their
 * parameters, request bodies and responses, then every schema, with `$ref`s as in-page links.
 * The document is embedded and the script and styles are inline, so it works offline (no CDN).
 */

const escapeForScript = (json: string) =>
  json.replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029")

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
header{background:#1d2330;color:#fff;padding:16px 32px}header h1{margin:0;font-size:22px}
main{max-width:1100px;margin:0 auto;padding:16px 32px}
.op{background:#fff;border:1px solid #dde1e8;border-radius:6px;margin:12px 0;padding:12px 16px}
.method{display:inline-block;min-width:64px;text-align:center;font-weight:700;color:#fff;border-radius:4px;padding:2px 8px;margin-right:8px;text-transform:uppercase}
.get{background:#2f7d32}.patch{background:#b26a00}.post{background:#1565c0}.delete{background:#c62828}.put{background:#6a1b9a}
code,pre{font:13px/1.4 ui-monospace,monospace}pre{background:#f3f5f8;padding:8px;border-radius:4px;overflow:auto}
table{border-collapse:collapse;width:100%;margin:6px 0}td,th{border-bottom:1px solid #eceff3;text-align:left;padding:4px 8px;vertical-align:top}
h2{margin-top:28px;border-bottom:2px solid #dde1e8}h3{margin:4px 0}.status{font-weight:700}a{color:#1565c0}
`

const SCRIPT = `
const spec = JSON.parse(document.getElementById("spec").textContent);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
};
const refName = (ref) => ref.split("/").pop();
const schemaView = (schema) => {
  if (schema && schema.$ref) return el("a", { href: "#schema-" + refName(schema.$ref) }, refName(schema.$ref));
  const pre = el("pre");
  const text = JSON.stringify(schema, null, 2);
  const parts = text.split(/("\\$ref": "#\\/components\\/schemas\\/[^"]+")/);
  for (const part of parts) {
    const m = /schemas\\/([^"]+)"$/.exec(part);
    if (m) { pre.append('"$ref": "'); pre.append(el("a", { href: "#schema-" + m[1] }, "#/components/schemas/" + m[1])); pre.append('"'); }
    else pre.append(part);
  }
  return pre;
};
const main = document.querySelector("main");
document.querySelector("header h1").textContent = spec.info.title + " " + spec.info.version;
if (spec.info.description) main.append(el("p", {}, spec.info.description));
main.append(el("h2", {}, "Operations"));
for (const [path, ops] of Object.entries(spec.paths || {})) {
  for (const [method, op] of Object.entries(ops)) {
    const box = el("section", { class: "op", id: "op-" + (op.operationId || method + path) });
    box.append(el("h3", {}, el("span", { class: "method " + method }, method), el("code", {}, path)));
    if (op.summary || op.description) box.append(el("p", {}, op.summary || op.description));
    if (op.security && op.security.length) box.append(el("p", {}, "Auth: " + op.security.map((s) => Object.keys(s).join("+")).join(" or ")));
    if (op.parameters && op.parameters.length) {
      const table = el("table", {}, el("tr", {}, el("th", {}, "parameter"), el("th", {}, "in"), el("th", {}, "required"), el("th", {}, "description")));
      for (const p of op.parameters) table.append(el("tr", {}, el("td", {}, el("code", {}, p.name)), el("td", {}, p.in), el("td", {}, p.required ? "yes" : "no"), el("td", {}, p.description || "")));
      box.append(table);
    }
    if (op.requestBody) {
      for (const [media, body] of Object.entries(op.requestBody.content || {})) box.append(el("p", {}, "Request body ", el("code", {}, media), ": ", schemaView(body.schema)));
    }
    const responses = el("table", {}, el("tr", {}, el("th", {}, "status"), el("th", {}, "description"), el("th", {}, "schema")));
    for (const [status, response] of Object.entries(op.responses || {})) {
      const content = Object.values(response.content || {})[0];
      responses.append(el("tr", {}, el("td", { class: "status" }, status), el("td", {}, response.description || ""), el("td", {}, content ? schemaView(content.schema) : "")));
    }
    box.append(responses);
    main.append(box);
  }
}
main.append(el("h2", {}, "Schemas"));
for (const [name, schema] of Object.entries((spec.components || {}).schemas || {})) {
  const box = el("section", { class: "op", id: "schema-" + name });
  box.append(el("h3", {}, name), schemaView(schema));
  main.append(box);
}
document.body.setAttribute("data-rendered", "true");
`

/** The page for `spec` (an OpenAPI document). */
export const renderDocsPage = (spec: Record<string, unknown>): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>API reference</h1></header>
<main><noscript>This page renders the OpenAPI document with a small inline script; the raw document is at <a href="/openapi.json">/openapi.json</a>.</noscript></main>
<script id="spec" type="application/json">${escapeForScript(JSON.stringify(spec))}</script>
<script>${SCRIPT}</script>
</body>
</html>
`
