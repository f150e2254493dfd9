// A deliberately small page until the full web app lands: sign in, browse, read.
const main = document.getElementById("main");

async function api(path, options = {}) {
  const res = await fetch(path, { credentials: "same-origin", ...options });
  const body = res.status === 204 ? null : await res.json();
  if (!res.ok) throw Object.assign(new Error(body?.error?.message ?? res.statusText), { status: res.status });
  return body;
}

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function renderLogin(message = "") {
  const email = el("input", { type: "email", name: "email", placeholder: "Email", required: true, autocomplete: "username" });
  const password = el("input", { type: "password", name: "password", placeholder: "Password", required: true, autocomplete: "current-password" });
  const form = el("form", {}, el("h1", { textContent: "Sign in" }), email, password, el("button", { textContent: "Sign in" }), el("p", { className: "error", textContent: message }));
  form.onsubmit = async (event) => {
    event.preventDefault();
    try {
      await api("/api/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: email.value, password: password.value }) });
      route();
    } catch (err) {
      renderLogin(err.message);
    }
  };
  main.replaceChildren(form);
}

async function renderLibrary(me) {
  const sections = await Promise.all(me.groups.map(async (group) => {
    const { articles } = await api(`/api/groups/${group.id}/articles`);
    const list = el("ul", {}, ...articles.map((a) => el("li", {}, el("a", { href: `/articles/${a.id}`, textContent: a.title }))));
    return el("section", {}, el("h2", { textContent: `${group.name} (${group.role})` }), list);
  }));
  main.replaceChildren(el("h1", { textContent: "Your groups" }), ...sections);
}

const BLOCK_TAGS = { title: "h1", heading: "h2", byline: "p", caption: "figcaption", paragraph: "p", quote: "blockquote", "list-item": "li", reference: "li", bio: "p" };

async function renderArticle(id) {
  const article = await api(`/api/articles/${id}`);
  const points = Array.from(article.text);
  const nodes = [];
  let references = null;
  for (const block of article.blocks) {
    const node = el(BLOCK_TAGS[block.kind] ?? "p", { className: block.kind, textContent: points.slice(block.start, block.end).join("") });
    if (block.kind === "reference") {
      if (!references) nodes.push(el("h2", { textContent: "References" }), (references = el("ol", { className: "references" })));
      references.append(node);
    } else nodes.push(node);
  }
  document.title = `${article.title} · Marginalia`;
  main.replaceChildren(el("article", {}, ...nodes));
}

async function route() {
  try {
    const me = await api("/api/me");
    document.getElementById("who").textContent = me.user.name;
    const match = location.pathname.match(/^\/articles\/([0-9a-f-]{36})/);
    if (match) await renderArticle(match[1]);
    else await renderLibrary(me);
  } catch (err) {
    if (err.status === 401) renderLogin();
    else main.replaceChildren(el("p", { className: "error", textContent: err.message }));
  }
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href^='/']");
  if (!link) return;
  event.preventDefault();
  history.pushState(null, "", link.getAttribute("href"));
  route();
});
window.addEventListener("popstate", route);
route();
