#!/usr/bin/env python3
"""Build the documentation site offline, with the notebooks' outputs, without quarto.

1. Execute: a scratch copy of the project (`--workdir`) runs its notebooks with nbdev's own test runner, `nbdev-test
   --save`: a cell flagged with one of `tst_flags` (`#| slow`, `#| data`) runs only when `--flags` names it, `#| eval:
   false` never, each cell under `cell_timeout` in its notebook's folder; a failing cell stops the build, naming the
   notebook and the cell. A cell left out keeps its source and gets a one-line note instead of outputs.
2. Process: nbdev's docs processing of the executed copy (`proc_nbs`, as in `nbdev-proc-nbs`: `show_doc`, doc links).
3. Render: nbconvert's HTML exporter (lab template) with a sidebar, pandoc's heading ids (nbdev's doc links point at
   them), MathML for math, callout boxes and links to the `.html` pages; nothing is fetched from outside the site.

`nbs/` itself is never touched. `--execute-only` stops after step 1: the hosted workflow then runs `nbdev-docs`
(quarto) in the executed copy. The site gets `pages.json` (source -> HTML page and title), which tests/test_docs.py reads.
"""
from __future__ import annotations
import argparse, html, json, os, posixpath, re, shutil, sys, time
from pathlib import Path
from urllib.parse import urlsplit
from jinja2 import DictLoader, pass_context
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
PAGE_SUFFIXES = ('.ipynb', '.qmd', '.md')
SKIP_PREFIXES = ('_', '.')  # quarto and nbdev skip the files and folders whose names start with these
NOT_RUN = '*Not run in this build: needs the `{0}` flag (`--flags "{0}"`).*'

def copy_project(root:Path, dest:Path) -> Path:
    "What the notebooks read (pyproject.toml, notebooks, library, the fuzz target) copied to `dest`, only ever such a copy."
    from nbdev.config import get_config
    if dest.resolve() == root.resolve(): raise ValueError('the scratch copy cannot be the project itself')
    if dest.exists() and any(dest.iterdir()):
        if not (dest/'pyproject.toml').exists(): raise ValueError(f'{dest} is not empty and not an earlier scratch copy')
        shutil.rmtree(dest)  # notebooks deleted since must not come back as pages
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(root/'pyproject.toml', dest)
    cfg = get_config(root)
    for d in (cfg.nbs_path, cfg.lib_path, root/'fuzz'):   # fuzz/: the libFuzzer target 08c_host builds (not in the package)
        junk = shutil.ignore_patterns('.ipynb_checkpoints', '__pycache__')
        if d.exists(): shutil.copytree(d, dest/d.relative_to(root), ignore=junk)
    return dest

def execute_notebooks(project:Path, flags:str='', n_workers:int=1, cell_timeout:int|None=None, file_glob:str=''):
    "Run the notebooks of `project` in place as `nbdev-test --flags FLAGS --save` does, then note the cells left out."
    file_glob = file_glob if file_glob.endswith('.ipynb') else (file_glob or '*') + '.ipynb'
    from fastcore.nbio import mk_cell, write_nb
    from nbdev.config import get_config
    from nbdev.doclinks import nbglob
    from nbdev.process import NBProcessor
    from nbdev.test import nbdev_test
    cfg = get_config(project)
    try: nbdev_test.__wrapped__(path=str(cfg.nbs_path), flags=flags, n_workers=n_workers, save=True,
                                cell_timeout=cell_timeout, file_glob=file_glob)
    except SystemExit as e:  # nbdev-test has printed the notebook, the cell number and the traceback
        if e.code: sys.exit('docs build failed: a notebook cell raised (above: the notebook, the cell and its error)')
    left_out = [f for f in str(cfg.tst_flags).split() if f not in flags.split()]
    for fn in nbglob(cfg.nbs_path, file_glob=file_glob, as_path=True):
        nb = NBProcessor(fn, rm_directives=False).nb
        cells = []
        for c in nb.cells:
            c.metadata.pop('execution', None)  # execnb's timings: floats where nbformat's schema wants strings
            cells.append(c)
            needs = [f for f in left_out if f in c.directives_]  # nbdev-test's rule for the cells it skips
            if c.cell_type == 'code' and needs: cells.append(mk_cell(NOT_RUN.format(' '.join(needs)), 'markdown'))
        nb.cells = cells
        write_nb(nb, fn)

def process_notebooks(project:Path, file_glob:str='') -> Path:
    "nbdev's docs processing of `project` in this process (one torch import, not one per notebook); its `_proc` folder."
    from nbdev.config import get_config
    from nbdev.serve import proc_nbs
    return Path(proc_nbs(str(get_config(project).nbs_path), n_workers=0, force=True, file_glob=file_glob))

# --- quarto's markdown and cell options, as nbconvert needs them ---------------------------------------------------

def pandoc_id(text:str) -> str:
    "The id pandoc (so quarto) gives a heading; nbdev's doc links point at these (`core.html#audioerror`)."
    s = re.sub(r'\s+', '-', re.sub(r'[^\w\s.-]', '', text.strip().lower()))
    return re.sub(r'^[^a-z]+', '', s) or 'section'  # pandoc drops everything before the first letter

def _mathml(tex:str, display:str) -> str:
    from latex2mathml.converter import convert
    try: return convert(tex.strip(), display=display)
    except Exception: return html.escape(f'${tex}$')  # what latex2mathml cannot read stays as the author wrote it

class SiteRenderer(IPythonRenderer):
    "nbconvert's markdown renderer with pandoc's heading ids and MathML, which browsers draw without MathJax's CDN."
    def heading(self, text, level, **attrs):
        ident = pandoc_id(html.unescape(re.sub(r'<[^>]+>', '', text)))
        return f'<h{level} id="{ident}">{text}<a class="anchor-link" href="#{ident}">¶</a></h{level}>\n'
    def inline_math(self, body): return _mathml(body, 'inline')
    def block_math(self, body): return _mathml(body, 'block')
    def latex_environment(self, name, body): return _mathml(f'\\begin{{{name}}}{body}\\end{{{name}}}', 'block')

_re_div = re.compile(r'^ {0,3}:{3,}[ \t]*(?:\{([^}\n]*)\}|([\w-]+))?[ \t]*$', re.M)
_re_attrs = re.compile(r'(!?)\[([^\]\n]*)\]\(([^)\s]+)\)\{([^}\n]*)\}')

def _div(m):
    "A pandoc fenced div line (`::: {.callout-note}`, `:::`) as an HTML tag; the blank lines keep the inside markdown."
    if not (m[1] or m[2]): return '\n</div>\n'
    classes = re.findall(r'\.([\w-]+)', m[1]) if m[1] else [m[2]]
    return f'\n<div class="{" ".join(["callout"] * any(c.startswith("callout") for c in classes) + classes)}">\n'

def _with_attrs(m):
    "`[text](url){.cls key=value}` and `![alt](src){width=50%}` (pandoc's attributes) as HTML tags."
    bang, text, url, spec = m.groups()
    if url.startswith('attachment:'): return f'{bang}[{text}]({url})'  # nbconvert resolves these from markdown
    attrs = ''.join(f' {a}' for a in re.findall(r'[\w-]+=(?:"[^"]*"|\S+)', spec))
    classes = re.findall(r'(?:^|\s)\.([\w-]+)', spec)
    attrs += f' class="{" ".join(classes)}"' if classes else ''
    return f'<img src="{url}" alt="{html.escape(text)}"{attrs}>' if bang else f'<a href="{url}"{attrs}>{text}</a>'

def quarto_markdown(md:str) -> str:
    """The pandoc markdown that quarto reads and nbdev writes (fenced divs, attributes) in the CommonMark nbconvert reads.

    Line-based: a line of colons inside a code block would be taken for a div too (no page has one)."""
    return _re_attrs.sub(_with_attrs, _re_div.sub(_div, md))

def _shows_something(o) -> bool:
    "Not an output without data, nor a stream of bare carriage returns (what a progress bar leaves once stripped)."
    return bool(o.text.strip()) if o.output_type == 'stream' else o.output_type == 'error' or bool(o.get('data'))

def apply_cell_options(nb):
    "Quarto's `include`, `echo` and `output` cell options (nbdev's processing leaves them in the first lines), in place."
    cells = []
    for c in nb.cells:
        c.pop('has_sd', None); c.metadata.pop('execution', None)  # nbdev's marks that nbformat's schema refuses
        if c.cell_type == 'code':
            head = re.match(r'(?:[ \t]*#\|.*(?:\n|$))*', c.source)[0]
            opts, c.source = dict(re.findall(r'#\|\s*([\w-]+)\s*:\s*(\S+)', head)), c.source[len(head):]
            c.outputs = [o for o in c.outputs if _shows_something(o)]
            if opts.get('output') == 'false': c.outputs = []
            if opts.get('include') == 'false' or (opts.get('echo') == 'false' and not c.outputs): continue
            if opts.get('echo') == 'false': c.metadata['transient'] = {'remove_source': True}
        cells.append(c)
    nb.cells = cells

def read_page(path:Path):
    "A processed page as (notebook, frontmatter); a `.qmd`/`.md` page is one markdown cell."
    import nbformat
    from fastcore.nbio import nb_frontmatter
    from fastcore.xtras import frontmatter
    if path.suffix == '.ipynb':
        nb = nbformat.read(path, as_version=4)
        front = nb_frontmatter(nb)
        nb.cells = [c for c in nb.cells if not (c.cell_type == 'raw' and c.source.lstrip().startswith('---'))]
        apply_cell_options(nb)
        return nb, front
    front, body = frontmatter(path.read_text(encoding='utf-8'))
    body = re.sub(r'^```\s*\{(\w+)[^}]*\}', r'```\1', body, flags=re.M)  # executable chunks shown as code
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(body)]), front

# --- the site ---------------------------------------------------------------------------------------------------------

TEMPLATE = r"""{%- extends 'lab/index.html.j2' -%}
{#- nothing from a CDN: no require.js, MathJax (math is MathML), mermaid or widget manager -#}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- set page, site = resources.page, resources.site -%}
{%- block html_head_css -%}
<link rel="icon" href="data:,">
<meta name="description" content="{{ page.description | e }}">
{%- for css in site.css %}<link rel="stylesheet" href="{{ page.root }}{{ css }}">{% endfor %}
{%- endblock html_head_css -%}
{%- block body_header -%}
<body class="jp-Notebook" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">
<header class="site-header"><a href="{{ page.root }}index.html">{{ site.title | e }}</a></header>
<div class="site-layout"><nav class="site-sidebar" aria-label="pages"><ul>
{%- for folder, links in site.sidebar %}{% if folder %}<li><b>{{ folder | e }}</b><ul>{% endif %}
{%- for p in links %}<li><a href="{{ page.root }}{{ p.html }}"{% if p.html == page.html %} class="active"{% endif %}>
{{- p.title | e }}</a></li>{% endfor %}
{%- if folder %}</ul></li>{% endif %}{% endfor %}</ul></nav>
<main class="site-main"><header id="title-block-header"><h1 class="title">{{ page.title | e }}</h1>
{%- if page.description %}<div class="description">{{ page.description | markdown2html }}</div>{% endif %}</header>
{%- endblock body_header -%}
{%- block body_footer -%}</main></div></body>{%- endblock body_footer -%}
"""

SITE_CSS = """body { margin: 0; font-family: system-ui, sans-serif; }
.site-header { padding: .6rem 1.2rem; background: #2780e3; }
.site-header a { color: #fff; font-weight: 600; text-decoration: none; }
.site-layout { display: flex; align-items: flex-start; }
.site-main { flex: 1; min-width: 0; max-width: 60rem; padding: 1rem 2rem; }
.site-sidebar { flex: 0 0 15rem; position: sticky; top: 0; max-height: 100vh; overflow-y: auto; font-size: .95rem; }
.site-sidebar ul { list-style: none; padding-left: 1rem; } .site-sidebar a { color: #343a40; text-decoration: none; }
.site-sidebar a.active { font-weight: 600; color: #2780e3; } .description { font-style: italic; opacity: .7; }
.callout { border-left: 4px solid #2780e3; background: #f3f8fd; padding: .2rem 1rem; margin: 1rem 0; }
.callout-warning, .callout-caution { border-color: #ff9800; background: #fff8ec; }
.callout-tip { border-color: #3fb618; background: #f2fbef; }
.callout-important { border-color: #e3342f; background: #fdf1f1; } .jp-OutputArea-output pre { white-space: pre-wrap; }
@media (max-width: 50rem) { .site-layout { display: block; } .site-sidebar { position: static; } }
"""

class SiteExporter(HTMLExporter):
    "The lab HTML exporter reading quarto's markdown, in the page layout of TEMPLATE."
    def __init__(self, **kw):
        super().__init__(extra_loaders=[DictLoader({'site.html.j2': TEMPLATE})], template_name='lab',
                         template_file='site.html.j2', exclude_input_prompt=True, exclude_output_prompt=True,
                         config=Config(CoalesceStreamsPreprocessor={'enabled': True}), **kw)  # progress bars
    @pass_context
    def markdown2html(self, context, source):
        renderer = SiteRenderer(escape=False, attachments=context.get('cell', {}).get('attachments', {}))
        return MarkdownWithMath(renderer=renderer).render(quarto_markdown(source))

def site_link(url:str, src:str, pages:dict, site_url:str) -> str:
    "`url` as the page of `src` links it: a notebook or a page of the published site becomes a relative `.html` link."
    path, _, frag = html.unescape(url).partition('#')
    if site_url and (path + '/').startswith(site_url + '/'): target = path[len(site_url) + 1:] or 'index.html'
    elif urlsplit(path).scheme or path.startswith('/') or posixpath.splitext(path)[1] not in PAGE_SUFFIXES: return url
    else:
        target_src = posixpath.normpath(posixpath.join(posixpath.dirname(src), path))
        target = pages[target_src]['html'] if target_src in pages else posixpath.splitext(target_src)[0] + '.html'
    rel = posixpath.relpath(target, posixpath.dirname(pages[src]['html']) or '.')
    return html.escape(rel + (f'#{frag}' if frag else ''))

def build_site(project:Path, proc:Path, out:Path, verbose:bool=True) -> dict:
    "Render every page nbdev's processing left in `proc` into `out`; returns the page manifest."
    from nbdev.config import get_config
    cfg = get_config(project)
    site_url = f'{cfg.doc_host.rstrip("/")}{cfg.doc_baseurl.rstrip("/")}' if cfg.get('doc_host') else ''
    if out.exists() and any(out.iterdir()):  # replaced only if it is an earlier site: a mistyped --out wipes nothing
        if not (out/'pages.json').exists(): raise ValueError(f'{out} is not empty and holds no earlier site (pages.json)')
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out/'pages.json').write_text('{}')  # marks the folder as a site from the start, so a failed build can be redone
    files = [f for f in sorted(proc.rglob('*')) if f.is_file() and not any(
        p.startswith(SKIP_PREFIXES) for p in f.relative_to(proc).parts)]
    for f in files:  # images, styles.css, data files: beside the pages, as quarto puts them
        if f.suffix not in PAGE_SUFFIXES + ('.yml',):
            (out/f.relative_to(proc)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, out/f.relative_to(proc))
    (out/'site.css').write_text(SITE_CSS)
    pages, docs = {}, {}
    for f in (f for f in files if f.suffix in PAGE_SUFFIXES):
        src = f.relative_to(proc).as_posix()
        docs[src], front = read_page(f)
        pages[src] = dict(html=posixpath.join(posixpath.dirname(src), front.get('output-file') or f.stem + '.html'),
                          title=str(front.get('title') or f.stem), description=str(front.get('description') or ''))
    sidebar = {}
    for src in sorted(pages, key=lambda s: (pages[s]['html'] != 'index.html', s)):
        sidebar.setdefault(posixpath.dirname(src).capitalize(), []).append(pages[src])
    site = dict(title=str(cfg.get('title') or 'Documentation'), sidebar=list(sidebar.items()),
                css=['site.css'] + ['styles.css'] * (out/'styles.css').exists())
    exporter = SiteExporter()
    for src, nb in docs.items():
        t0, p = time.time(), pages[src]
        nb.metadata['title'] = p['title']
        page = dict(p, root='../' * p['html'].count('/'))
        body, _ = exporter.from_notebook_node(nb, resources=dict(page=page, site=site))
        body = re.sub(r'\b(href|src)="([^"]*)"', lambda m: f'{m[1]}="{site_link(m[2], src, pages, site_url)}"', body)
        (out/p['html']).parent.mkdir(parents=True, exist_ok=True)
        (out/p['html']).write_text(body, encoding='utf-8')
        if verbose: print(f'{src} -> {p["html"]} ({time.time()-t0:.1f} s)')
    (out/'pages.json').write_text(json.dumps(pages, indent=1))
    return pages

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--root', type=Path, default=ROOT, help='the project (with pyproject.toml)')
    ap.add_argument('--out', type=Path, help='where the HTML site goes (replaced); default ROOT/_site')
    ap.add_argument('--workdir', type=Path, help='the scratch copy, kept (default ROOT/_docs_build; notebooks run there '
                    'find what they find from nbs/, such as ../shared/data); nbdev\'s processed pages go to its _proc/')
    ap.add_argument('--flags', default=os.environ.get('TINYAUDIO_TEST_FLAGS', ''),
                    help='test flags whose cells run, as for nbdev-test (e.g. "slow data"); default $TINYAUDIO_TEST_FLAGS')
    ap.add_argument('--n-workers', type=int, default=1, help='notebooks executed at once (default 1)')
    ap.add_argument('--cell-timeout', type=int, help="seconds per cell (default: pyproject's cell_timeout)")
    ap.add_argument('--file-glob', default='', help="only these notebooks, e.g. '02_*' (a quick preview)")
    ap.add_argument('--execute-only', action='store_true', help='stop after executing (for `nbdev-docs` in the workdir)')
    ap.add_argument('--quiet', action='store_true')
    a = ap.parse_args(argv)
    root, t0 = a.root.resolve(), time.time()
    out = (a.out or root/'_site').resolve()
    project = copy_project(root, (a.workdir or root/'_docs_build').resolve())
    os.chdir(project)  # nbdev reads its configuration (and writes `_proc`) from the working directory
    execute_notebooks(project, a.flags, a.n_workers, a.cell_timeout, a.file_glob)
    print(f'notebooks executed in {project} (flags: "{a.flags}"): {time.time()-t0:.0f} s')
    if a.execute_only: return
    proc = process_notebooks(project, a.file_glob)
    pages = build_site(project, proc, out, verbose=not a.quiet)
    print(f'{len(pages)} pages in {out} ({time.time()-t0:.0f} s)')

if __name__ == '__main__': main()
