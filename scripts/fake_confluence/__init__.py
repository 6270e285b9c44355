"""fake_confluence: the package behind scripts/fake-confluence (run that script).

DESIGN
  The server holds a `Site`: a list of `Space`s that share one lock.  The first, the main
  space, comes either from a fixture directory (space.json + storage files) or from a
  deterministic generator (--pages/--fanout/--seed); each --add-space KEY:PAGES appends a
  generated one (seed "<seed>:KEY", ids above those of the spaces before it, root pages
  linking to the main space's homepage and to a missing space).  A `Space` has `Page`s, blog
  posts (`Page`s of kind "blogpost": no parent, no position, no children, kept apart in
  `Space.blogposts` so that page endpoints never see them) and `Attachment`s of either.
  Content and attachment ids are unique across the site, as on Confluence, so handlers look
  content up with `Site.page/blogpost/content/attachment` and use the object's `.space`.
  Generated bodies and attachment bytes are produced on demand from the seed, so a
  10,000-page space with 1 GiB attachments costs almost no memory.

  Each HTTP connection gets a thread (ThreadingHTTPServer, HTTP/1.1 keep-alive).  An API
  request goes: route (+ refine_kind) -> stats.begin (in_flight++) -> injected latency ->
  fault lookup -> auth -> handler (builds a `Response`, under the site lock) -> send (maybe
  truncated or reset by a fault) -> stats.end.  Handlers never write to the socket themselves.

  `--flavor dc` serves the same site as Confluence Data Center instead: REST v1 only, under a
  context path (default /confluence), start/limit pagination with links relative to
  _links.base, personal access tokens, and attachment bytes served by the site itself
  (`DcApi`, a subclass of the Cloud `Api` that swaps the routes, shapes and auth rules).

  Writes (write_cloud.py: `CloudWriteApi`, write_dc.py: `DcWriteApi`, both with the v1
  endpoints of write_v1.py; the model changes in writes.py and attach.py) publish versions
  (the old ones stay in `Page.history`), rename, move, create, trash, label and upload; each
  write request is in the write log (Stats.writes, /_fake/writes).  Multipart uploads are
  streamed to a temporary directory by multipart.py before the handler runs.

  Everything under /_fake/ is test control: no auth, no latency, not counted.
  Only the Python standard library is used.  See docs/fake-confluence.md ("Where the code
  is" names the module of each concern).
"""
