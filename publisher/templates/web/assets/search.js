// Search across every issue with Pagefind (its index and code are the site's own files,
// under pagefind/). Reads ?q= from the address, so a search is a link like any other.
// Results are built as elements from text: Pagefind's excerpts are read for their <mark>s only.
const results = document.getElementById("results");
const input = document.getElementById("q");
const query = new URLSearchParams(location.search).get("q") || "";
input.value = query;

function excerpt(html) {
  const out = document.createElement("p");
  const doc = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html");
  for (const node of doc.body.firstChild.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      out.appendChild(mark);
    } else {
      out.appendChild(document.createTextNode(node.textContent));
    }
  }
  return out;
}

async function run() {
  if (!query.trim()) return;
  const root = new URL(results.dataset.root, location.href);
  let pagefind;
  try {
    pagefind = await import(new URL(results.dataset.pagefind, location.href).href);
  } catch (error) {
    results.textContent = "搜索索引无法载入。";
    return;
  }
  await pagefind.options({ baseUrl: root.pathname });
  const search = await pagefind.search(query);
  const heading = document.createElement("h2");
  heading.textContent = `“${query}”：${search.results.length} 篇`;
  const list = document.createElement("ol");
  for (const hit of search.results.slice(0, 50)) {
    const data = await hit.data();
    const li = document.createElement("li");
    const link = document.createElement("a");
    link.href = data.url;
    link.textContent = data.meta.title || data.url;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = " " + [data.meta.date, data.meta.page].filter(Boolean).join(" ");
    li.append(link, meta, excerpt(data.excerpt));
    list.appendChild(li);
  }
  results.replaceChildren(heading, list);
}
run();
