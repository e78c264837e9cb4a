"""The documentation site, as a reader's browser sees it.

Builds the site offline with `scripts/render_docs.py` (the notebooks executed as `nbdev-test` runs them, with the test
flags of `$TINYAUDIO_TEST_FLAGS`, default none; then nbdev's processing and nbconvert; no quarto), serves it on
localhost and opens every page in headless chromium through the Chrome DevTools protocol. A page fails on a script
error or console error, a request that fails or leaves the machine (the site must not need a CDN), an image that does
not load, or an internal link to a missing page or anchor. The browser tests are skipped where chromium is not
installed (`apt-get install chromium`; scripts/install.sh does it), and fail in CI; the build checks run anyway.
"""
from __future__ import annotations
import ast, functools, html, http.server, json, os, re, shutil, subprocess, sys, tempfile, threading, time, urllib.request
from pathlib import Path
from urllib.parse import urlsplit, unquote

import pytest
from tinyaudio.testing import in_ci

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
FLAGS = os.environ.get('TINYAUDIO_TEST_FLAGS', '')  # as for nbdev-test: "data" runs the cells that need the shared audio
# Pages checked for what a notebook shows; a renamed notebook renames its page: change the names here only.
PAGES = dict(spectrogram='features.html',   # a cell that plots log-mel spectrograms (SPECTROGRAM_CELL)
             results='qat.html')            # measured results in a table
SPECTROGRAM_CELL = 'show_batch('
SIGNATURE_OF = 'tinyaudio.features.normalize_windows'  # its page and anchor come from tinyaudio/_modidx.py
BUILD_TIMEOUT_S = 1800  # executes every notebook: about 3 minutes on 2 cores without flags
PAGE_TIMEOUT_S = 20
SETTLE_S = 0.15  # scripts that fail just after `load` (timers, promises) still report within this

def find_chromium():
    "Debian's chromium first; CHROMIUM overrides; Google Chrome (as on GitHub's Ubuntu runners) also drives the same."
    for c in [os.environ.get('CHROMIUM'), 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']:
        if c and shutil.which(c): return shutil.which(c)

CHROMIUM = find_chromium()

def source_pages():
    "The pages the site must have: every notebook, .qmd and .md under nbs/ that quarto would render."
    skip = ('_', '.')
    return sorted(p.relative_to(NBS).as_posix() for p in NBS.rglob('*')
                  if p.suffix in ('.ipynb', '.qmd', '.md') and not any(s.startswith(skip) for s in p.relative_to(NBS).parts))

# --- the site ----------------------------------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp('docs')/'site'
    t0 = time.time()
    res = subprocess.run([sys.executable, str(ROOT/'scripts'/'render_docs.py'), '--out', str(out), '--quiet',
                          '--flags', FLAGS, '--n-workers', '2'], cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    assert res.returncode == 0, f'docs build failed:\n{res.stdout[-3000:]}\n{res.stderr[-6000:]}'
    print(f'docs build: {time.time()-t0:.1f} s')
    return out, json.loads((out/'pages.json').read_text())

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass

@pytest.fixture(scope='module')
def server(site):
    "The site over HTTP on localhost, as a host would serve it (file:// hides 404s and blocks some scripts)."
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(_QuietHandler, directory=str(site[0])))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{srv.server_address[1]}'
    srv.shutdown(); srv.server_close()

# --- a small Chrome DevTools protocol client ---------------------------------------------------------------------------

class DevTools:
    "Commands and events over one page target's websocket."
    def __init__(self, ws_url):
        from websockets.sync.client import connect
        # entered as a context manager: websockets >= 17 warns about (and will drop) a bare connect()
        self.ws = connect(ws_url, proxy=None, compression=None, max_size=None, open_timeout=15).__enter__()
        self.next_id, self.events = 0, []

    def _recv(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0: raise TimeoutError
        return json.loads(self.ws.recv(timeout=left))

    def send(self, method, timeout=PAGE_TIMEOUT_S, **params):
        self.next_id += 1
        my_id, deadline = self.next_id, time.monotonic() + timeout
        self.ws.send(json.dumps({'id': my_id, 'method': method, 'params': params}))
        while True:
            msg = self._recv(deadline)
            if msg.get('id') == my_id:
                if 'error' in msg: raise RuntimeError(f'{method}: {msg["error"]}')
                return msg.get('result', {})
            if 'method' in msg: self.events.append(msg)

    def wait_for(self, method, timeout=PAGE_TIMEOUT_S):
        deadline = time.monotonic() + timeout
        while not any(e['method'] == method for e in self.events):
            msg = self._recv(deadline)
            if 'method' in msg: self.events.append(msg)

    def drain(self, seconds):
        "Collect the events that arrive within `seconds`."
        deadline = time.monotonic() + seconds
        try:
            while True:
                msg = self._recv(deadline)
                if 'method' in msg: self.events.append(msg)
        except TimeoutError: pass

    def close(self): self.ws.close()

def _launch(profile:Path):
    args = [CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync',
            '--disable-dev-shm-usage', '--no-default-browser-check', '--mute-audio',
            f'--user-data-dir={profile}', '--remote-debugging-port=0', 'about:blank']
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    port_file, deadline = profile/'DevToolsActivePort', time.monotonic() + 30
    while not (port_file.exists() and port_file.read_text().strip()):
        if proc.poll() is not None: raise RuntimeError(f'chromium exited: {proc.stderr.read()[-2000:]}')
        if time.monotonic() > deadline: proc.kill(); raise RuntimeError('chromium did not open its DevTools port')
        time.sleep(0.05)
    port = int(port_file.read_text().split()[0])
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    targets = json.loads(no_proxy.open(f'http://127.0.0.1:{port}/json/list', timeout=10).read())
    page = next(t for t in targets if t['type'] == 'page')
    return proc, page['webSocketDebuggerUrl']

@pytest.fixture(scope='module')
def browser():
    "Headless chromium; the tests that need it are skipped where it is not installed (the build checks still run)."
    if CHROMIUM is None:
        if in_ci(): pytest.fail('chromium is required here (CI=true): apt-get install chromium')
        pytest.skip('chromium is not installed (apt-get install chromium)')
    profile = Path(tempfile.mkdtemp(prefix='tinyaudio-chromium-'))
    proc, ws_url = _launch(profile)
    tools = None
    try:
        tools = DevTools(ws_url)
        for domain in ('Page', 'Runtime', 'Log', 'Network'): tools.send(f'{domain}.enable')
        yield tools
    finally:
        if tools is not None: tools.close()
        proc.terminate()
        try: proc.wait(10)
        except subprocess.TimeoutExpired: proc.kill(); proc.wait()
        shutil.rmtree(profile, ignore_errors=True)

# --- what a page is checked for ----------------------------------------------------------------------------------------

INSPECT_JS = r"""(() => ({
  images: [...document.images].map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0,
    cell: i.closest('.jp-OutputArea-output') ? i.closest('.jp-CodeCell').querySelector('.jp-InputArea').innerText : null})),
  links: [...document.querySelectorAll('a[href]')].map(a => ({raw: a.getAttribute('href'), href: a.href})),
  ids: [...document.querySelectorAll('[id]')].map(e => e.id).concat([...document.querySelectorAll('a[name]')].map(a => a.name)),
  text: document.body ? document.body.innerText.length : 0,
}))()"""

def visit(tools, url):
    "Load `url`; returns (problems, what INSPECT_JS found)."
    tools.events.clear()
    res = tools.send('Page.navigate', url=url)
    if res.get('errorText'): return [f'navigation failed: {res["errorText"]}'], None
    tools.wait_for('Page.loadEventFired')
    tools.drain(SETTLE_S)
    found = tools.send('Runtime.evaluate', expression=INSPECT_JS, returnByValue=True)['result']['value']
    origin, problems = f'{urlsplit(url).scheme}://{urlsplit(url).netloc}', []
    for e in tools.events:
        m, p = e['method'], e['params']
        if m == 'Runtime.exceptionThrown':
            d = p['exceptionDetails']
            problems.append(f'script error: {d.get("exception", {}).get("description") or d.get("text")}')
        elif m == 'Runtime.consoleAPICalled' and p['type'] in ('error', 'assert'):
            problems.append('console error: ' + ' '.join(str(a.get('value', a.get('description', ''))) for a in p['args']))
        elif m == 'Log.entryAdded' and p['entry']['level'] == 'error':
            problems.append(f'browser error: {p["entry"]["text"]} {p["entry"].get("url", "")}')
        elif m == 'Network.requestWillBeSent':
            req = p['request']['url']
            if not (req.startswith(origin) or req.startswith(('data:', 'blob:', 'about:'))):
                problems.append(f'fetches from outside the site (needs the network): {req}')
        elif m == 'Network.loadingFailed' and not p.get('canceled'):
            problems.append(f'request failed: {p.get("errorText")}')
        elif m == 'Network.responseReceived' and p['response']['status'] >= 400:
            problems.append(f'HTTP {p["response"]["status"]}: {p["response"]["url"]}')
    problems += [f'image does not load: {i["src"][:120]}' for i in found['images'] if not i['ok']]
    return problems, found

@functools.lru_cache(maxsize=None)
def _ids_in(path:Path):
    text = path.read_text(encoding='utf-8', errors='replace')
    return frozenset(re.findall(r'''\b(?:id|name)=["']([^"']+)["']''', text))

def broken_links(links, page_url, site_dir:Path, site_url:str):
    "Internal links (same origin) that point at a missing file or a missing anchor."
    base = urlsplit(page_url)
    res = []
    for l in links:
        u = urlsplit(l['href'])
        if site_url and l['href'].startswith(site_url):
            res.append(f'absolute link to the published site (should be relative): {l["raw"]}'); continue
        if (u.scheme, u.netloc) != (base.scheme, base.netloc): continue  # external: not checked offline
        path = unquote(u.path).lstrip('/')
        target = site_dir/path
        if target.is_dir() or path == '': target = target/'index.html'
        if not target.is_file(): res.append(f'link to a missing page: {l["raw"]}'); continue
        if u.fragment and target.suffix == '.html' and unquote(u.fragment) not in _ids_in(target):
            res.append(f'link to a missing anchor: {l["raw"]}')
    return res

# --- tests -------------------------------------------------------------------------------------------------------------

def test_every_source_has_a_page(site):
    site_dir, pages = site
    expected = source_pages()
    assert 'index.ipynb' not in expected or pages['index.ipynb']['html'] == 'index.html'
    missing = [s for s in expected if s not in pages or not (site_dir/pages[s]['html']).is_file()]
    assert not missing, f'no HTML page for {missing}'
    tutorials = [s for s in expected if s.startswith('tutorials/')]
    assert all(s in pages for s in tutorials)
    assert (site_dir/'index.html').is_file()

def test_no_cdn_in_pages(site):
    "The pages must carry their own scripts and styles: nbconvert's defaults fetch require.js/MathJax from CDNs."
    site_dir, pages = site
    for p in pages.values():
        text = (site_dir/p['html']).read_text(encoding='utf-8')
        remote = re.findall(r'''<(?:script|link)\b[^>]*(?:src|href)=["'](?:https?:)?//[^"']+''', text)
        assert not remote, f'{p["html"]} loads {remote}'

def section_text(page_html:str, anchor:str) -> str:
    "The text under the heading with id `anchor`, up to the next heading."
    m = re.search(rf'<h([1-6]) id="{re.escape(anchor)}"[^>]*>(.*?)(?=<h[1-6] id=|\Z)', page_html, re.S)
    assert m, f'no heading with id {anchor!r}'
    return html.unescape(re.sub(r'<[^>]+>', '', m.group(2)))

def test_api_pages_show_signatures(site):
    "show_doc ran: every API page has its headings, and a known name its signature and docstring under its own."
    import importlib, inspect
    site_dir, pages = site
    for s,p in pages.items():
        if not (re.match(r'\d+[a-z]?_', Path(s).name) and s.endswith('.ipynb')): continue
        nb = json.loads((NBS/s).read_text())
        if any(c['cell_type'] == 'code' and re.match(r'\s*#\|\s*export', ''.join(c['source'])) for c in nb['cells']):
            text = (site_dir/p['html']).read_text(encoding='utf-8')
            assert re.search(r'<h3 id="[^"]+"', text), f'{p["html"]}: no show_doc headings'
    modidx = {}
    exec((ROOT/'tinyaudio'/'_modidx.py').read_text(), modidx)
    mod, _, name = SIGNATURE_OF.rpartition('.')
    page, anchor = modidx['d']['syms'][mod][SIGNATURE_OF][0].split('#')
    text = section_text((site_dir/page).read_text(encoding='utf-8'), anchor)
    obj = getattr(importlib.import_module(mod), name)
    sig = re.sub(r'\s+', '', text)
    params = ','.join(f'{p.name}:{p.annotation}' + (f'={p.default!r}' if p.default is not p.empty else '')
                      for p in inspect.signature(obj).parameters.values())
    assert f'def{name}({params})->' in sig, f'{page}#{anchor}: no signature {params} under the heading:\n{text[:500]}'
    assert inspect.getdoc(obj).replace('`', '').split('\n')[0] in text.replace('\n', ' ')

def test_page_subtitles_are_plain_text():
    "A notebook's `> description` becomes the page subtitle, which quarto shows as plain text: no code or bold marks."
    marked = []
    for nb in sorted(NBS.rglob('*.ipynb')):
        first = next((''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'markdown'), '')
        marked += [f'{nb.relative_to(NBS)}: {l}' for l in first.splitlines() if l.startswith('>') and re.search(r'`|\*\*', l)]
    assert not marked, marked

def _signatures(text:str) -> list[str]:
    "The signature blocks of the show_doc outputs of a page, as text."
    return [html.unescape(re.sub(r'<[^>]+>', '', b)) for b in re.findall(r'<pre><span></span>(?:<span class="k">async</span> )?<span class="k">def</span>.*?</pre>', text, re.S)]

def test_signatures_read_as_the_code_does(site):
    """Signatures name the classes as the code writes them (`AudioItems`, not `__main__.AudioItems`), and the
    user-facing functions show what each parameter means (docments)."""
    site_dir, pages = site
    long_names = {}
    for s, p in pages.items():
        for sig in _signatures((site_dir/p['html']).read_text(encoding='utf-8')):
            found = re.findall(r'\b(?:__main__|tinyaudio(?:\.\w+)+)\.[A-Z]\w*', sig)
            if found: long_names.setdefault(p['html'], set()).update(found)
    assert not long_names, long_names
    pipeline = '\n'.join(_signatures((site_dir/'pipeline.html').read_text(encoding='utf-8')))
    for described in ('# the run folder (made if missing', '# 8, 6, 4..., \'w4a8\'', '# board: m4 (mps2-an386)'):
        assert described in pipeline, f'pipeline.html: no parameter comment {described!r}'

def test_cli_page_shows_terminal_sessions(site):
    "The command-line page shows commands as typed and what they print, run when the page was built."
    site_dir, _ = site
    text = html.unescape(re.sub(r'<[^>]+>', '', (site_dir/'cli.html').read_text(encoding='utf-8')))
    assert '$ tinyaudio --help' in text and 'usage: tinyaudio [-h] [--version]' in text, 'cli.html: no --help session'
    if 'slow' in FLAGS.split():
        assert '$ tinyaudio train --out run' in text and '"clip_accuracy"' in text, 'cli.html: no train session'

def _prints(source:str) -> bool:
    "Whether a cell calls print outside any function or class (so running it shows output)."
    try: tree = ast.parse('\n'.join(l for l in source.splitlines() if not l.lstrip().startswith(('%', '!'))))
    except SyntaxError: return False
    todo = list(tree.body)
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)): continue
        if isinstance(n, ast.Call) and getattr(n.func, 'id', None) == 'print': return True
        todo.extend(ast.iter_child_nodes(n))
    return False

def test_executed_pages_show_outputs(site):
    "The notebooks are stored without outputs: a page whose run cells print shows output areas, so they were run."
    from nbdev.config import get_config
    from nbdev.test import nb_test_cells
    site_dir, pages = site
    shown = {'hide', 'export', 'exporti', 'exports', 'include', 'output', 'eval'}
    skip, pages_checked, missing = str(get_config(ROOT).tst_flags).split(), 0, []
    for s,p in pages.items():
        if not s.endswith('.ipynb'): continue
        cells = [c for c in nb_test_cells(NBS/s, skip, FLAGS.split()) if not (c.directives_.keys() & shown)]
        if not any(_prints(c.source) for c in cells): continue
        pages_checked += 1
        # text outputs only: show_doc's markdown is an output area on every API page
        if 'class="jp-RenderedText' not in (site_dir/p['html']).read_text(encoding='utf-8'): missing.append(p['html'])
    assert pages_checked >= 5 and not missing, f'pages without outputs: {missing} (of {pages_checked} checked)'

def test_results_table(site):
    "The QAT page's measured results are a table, as markdown tables render."
    site_dir, pages = site
    text = (site_dir/PAGES['results']).read_text(encoding='utf-8')
    heads = [html.unescape(re.sub(r'<[^>]+>', '', h)) for h in re.findall(r'<th[^>]*>(.*?)</th>', text, re.S)]
    assert '<table' in text and any('accuracy' in h for h in heads), heads

def test_spectrogram_from_an_output(site, server, browser):
    "The features page shows, as the output of the cell that plots them, a PNG of spectrograms that the browser loads."
    problems, found = visit(browser, f'{server}/{PAGES["spectrogram"]}')
    assert not problems, problems
    plots = [i for i in found['images'] if i['cell'] and SPECTROGRAM_CELL in i['cell']]
    assert plots and all(i['ok'] and i['src'].startswith('data:image/png;base64,') for i in plots), found['images']

def test_pages_in_browser(site, server, browser):
    site_dir, pages = site
    from nbdev.config import get_config
    cfg = get_config(ROOT)
    site_url = f"{cfg.doc_host.rstrip('/')}{cfg.doc_baseurl}" if cfg.get('doc_host') else ''
    report, t0 = {}, time.time()
    for src, p in pages.items():
        url = f'{server}/{p["html"]}'
        problems, found = visit(browser, url)
        if found is not None:
            if found['text'] == 0: problems.append('empty page')
            problems += broken_links(found['links'], url, site_dir, site_url)
        if problems: report[p['html']] = sorted(set(problems))
    print(f'{len(pages)} pages checked in chromium in {time.time()-t0:.1f} s')
    assert not report, 'documentation pages with problems:\n' + '\n'.join(
        f'  {page}:\n' + '\n'.join(f'    - {x}' for x in probs) for page, probs in report.items())

BAD_PAGE = """<!DOCTYPE html><html><head><link rel="icon" href="data:,">
<script src="https://cdn.invalid/require.min.js"></script></head><body><p>bad page</p>
<img src="missing.png"><a href="nowhere.html">x</a><a href="#no-such-anchor">y</a><a href="bad.html#here">z</a>
<h2 id="here">here</h2><script>undefined_function()</script><script>console.error('boom')</script></body></html>"""

def _tiny_project(root:Path, extra:dict|None=None):
    """A project with what the real one will grow: a tutorial in a folder, an image beside it that an executed cell
    also shows (so it runs in the notebook's folder), printed output, math, a callout, a qmd, cells left out by flags."""
    import base64, nbformat
    from nbformat.v4 import new_notebook, new_markdown_cell as md, new_code_cell as code
    (root/'nbs'/'tutorials'/'images').mkdir(parents=True)
    cfg = (ROOT/'pyproject.toml').read_text()
    (root/'pyproject.toml').write_text(cfg)
    for f in ('_quarto.yml', 'styles.css'): shutil.copy(NBS/f, root/'nbs'/f)
    png = base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==')
    (root/'nbs'/'tutorials'/'images'/'dot.png').write_bytes(png)
    nbs = {'index.ipynb': [md('# tiny\n> A site made in a test.'), md('See [the tutorial](tutorials/01_first.ipynb).')],
           '00_core.ipynb': [md('# Core\n> The core.'), code('#| default_exp core'),
                             code('#| hide\nfrom nbdev.showdoc import *'),
                             code('#| export\ndef twice(x:int) -> int:\n    "Two times `x`."\n    return 2*x'),
                             code('assert twice(2) == 4')],
           'tutorials/01_first.ipynb': [
               md('# First steps\n> A tutorial.'),
               md('Uses [`twice`](../00_core.ipynb#twice) and [the home page](../index.ipynb); the mean is $\\frac{1}{T}\\sum_t p_t$.'),
               md('::: {.callout-note}\nA note with ![a dot](images/dot.png){width=10}.\n:::'),
               code('from IPython.display import Image'), code("Image(filename='images/dot.png')"),
               code('print(6 * 7)'), code("#| data\nraise RuntimeError('a data cell ran')"),
               code("#| eval: false\nraise RuntimeError('an eval: false cell ran')")],
           **(extra or {})}
    for name, cells in nbs.items(): nbformat.write(new_notebook(cells=cells), root/'nbs'/name)
    (root/'nbs'/'tutorials'/'extra.qmd').write_text('---\ntitle: Extra\n---\n\nBack to [core](../00_core.ipynb).\n')

def _build(root:Path, out:Path, *flags):
    return subprocess.run([sys.executable, str(ROOT/'scripts'/'render_docs.py'), '--root', str(root), '--out', str(out),
                           '--quiet', *flags], capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)

def test_tutorials_images_links_math(tmp_path, request):
    "Pages in a subfolder, images beside them and in outputs, links between folders, math and test flags all work."
    _tiny_project(tmp_path/'proj')
    out = tmp_path/'site'
    res = _build(tmp_path/'proj', out, '--flags', '')  # the data cell and the eval: false cell raise if they run
    assert res.returncode == 0, res.stderr[-4000:]
    assert not any('"output_type"' in f.read_text() for f in (tmp_path/'proj'/'nbs').rglob('*.ipynb'))  # nbs/ untouched
    pages = json.loads((out/'pages.json').read_text())
    assert {k: v['html'] for k,v in pages.items()} == {
        'index.ipynb': 'index.html', '00_core.ipynb': 'core.html', 'tutorials/01_first.ipynb': 'tutorials/first.html',
        'tutorials/extra.qmd': 'tutorials/extra.html'}
    tut = (out/'tutorials'/'first.html').read_text()
    assert 'href="../core.html#twice"' in tut and 'href="../index.html"' in tut and '<math' in tut
    assert 'class="callout callout-note"' in tut and ':::' not in tut
    assert re.search(r'jp-OutputArea-output[^>]*>\s*<pre>42\s*</pre>', tut), 'printed output missing'
    assert tut.count('Not run in this build: needs the <code>data</code> flag') == 1 and 'a data cell ran' in tut
    core = section_text((out/'core.html').read_text(), 'twice')
    assert 'deftwice(x:int)->int:' in re.sub(r'\s+', '', core) and 'Two times x.' in core
    assert 'href="../core.html"' in (out/'tutorials'/'extra.html').read_text()
    browser = request.getfixturevalue('browser')  # the build checks above run without chromium too
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(_QuietHandler, directory=str(out)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        for p in pages.values():
            url = f'http://127.0.0.1:{srv.server_address[1]}/{p["html"]}'
            problems, found = visit(browser, url)
            problems += broken_links(found['links'], url, out, '')
            assert not problems, f'{p["html"]}: {problems}'
            if p['html'] == 'tutorials/first.html':  # the dot beside the notebook, and the same dot as a cell output
                assert [bool(i['cell']) for i in found['images']] == [False, True], found['images']
    finally: srv.shutdown(); srv.server_close()

def test_failing_cell_fails_the_build(tmp_path):
    "A cell that raises stops the build, and the error names the notebook and the cell."
    from nbformat.v4 import new_markdown_cell as md, new_code_cell as code
    _tiny_project(tmp_path/'proj', {'02_broken.ipynb': [md('# Broken\n> Fails.'), code('x = 1'),
                                                        code("raise ValueError('broken on purpose')")]})
    res = _build(tmp_path/'proj', tmp_path/'site', '--flags', '')
    assert res.returncode != 0 and not (tmp_path/'site').exists()
    assert all(x in res.stderr for x in ('02_broken.ipynb', 'Cell #3', 'broken on purpose')), res.stderr[-3000:]

def test_checks_can_fail(tmp_path, browser):
    "The browser checks catch each kind of breakage on a page made to have them all."
    (tmp_path/'bad.html').write_text(BAD_PAGE)
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(_QuietHandler, directory=str(tmp_path)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        url = f'http://127.0.0.1:{srv.server_address[1]}/bad.html'
        problems, found = visit(browser, url)
    finally: srv.shutdown(); srv.server_close()
    problems += broken_links(found['links'], url, tmp_path, 'https://tinyaudio.github.io/tinyaudio')
    text = '\n'.join(problems)
    for expected in ('script error', 'undefined_function', 'console error: boom', 'outside the site',
                     'image does not load', 'missing page: nowhere.html', 'missing anchor: #no-such-anchor'):
        assert expected in text, f'{expected!r} not reported; got:\n{text}'
    assert 'bad.html#here' not in text
