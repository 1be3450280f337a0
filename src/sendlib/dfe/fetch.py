"""Download DfE's "Education, health and care plans" release files, and DfE's statistical-neighbour
lists, into ``data/public/``.

Default source: DfE's statistics service (explore-education-statistics, EES). For each release the
"download all data" zip is fetched from EES's content API (:data:`RELEASES`: the 2025 release by its
recorded release-version id; the 2026 release by asking the content API for the release
``publications/education-health-and-care-plans/releases/2026``, whose ``id`` is the release-version id)
and unzipped into
``<out>/ehcp-<year>/`` (``data/*.csv``, ``data-guidance/``, ``supporting-files/``), the same layout the
loaders read. With ``base_url`` the files are fetched one by one as ``<base_url>/<path>`` (a mirror, or
a test server), into the same layout.

Every download: streamed in chunks with a tqdm progress bar; written to ``<name>.part`` and resumed with
an HTTP ``Range`` request when a partial file exists (a server answering 200 instead of 206 restarts it);
renamed into place when complete; its sha256 and size recorded in ``<out>/ehcp-<year>/MANIFEST.json``.
A file whose sha256 matches the manifest is skipped.

:func:`fetch_neighbour_lists` downloads DfE's statistical-neighbour workbooks (published through its Local
Authority Interactive Tool repository, pinned to a commit) into ``<out>/lait/`` the same way, with their
own ``MANIFEST.json``; a download whose sha256 differs from DfE's known file is refused. Network failures raise :class:`DataError` with a
one-line message (the CLI exits 1, no traceback). Standard library only (urllib).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from sendlib import config
from sendlib.errors import DataError, UsageError

EES_CONTENT_API = "https://content.explore-education-statistics.service.gov.uk/api"
PUBLICATION = "education-health-and-care-plans"
FILES_PERSON_LEVEL = [
    "data/caseload.csv", "data/newplans.csv", "data/timeliness_20_week.csv", "data/requests.csv",
    "data/assessments.csv", "data/ceased_plans.csv", "data/sen_needs_all_plans.csv",
    "data/sen_need_newplans.csv", "data/annual_reviews.csv", "data/personal_budgets.csv",
    "data/residential_settings.csv", "data/work_based_placements.csv",
    "data-guidance/data-guidance.txt",
]

#: Release year -> what to fetch. ``zip_url``: EES "download all data" for the release version (None:
#: look the release version up in the content API by its slug, ``release_slug``); ``files``: paths inside
#: the release (used with a ``base_url`` mirror, and to check the unzip).
RELEASES: dict[int, dict] = {
    2026: {
        "folder": "ehcp-2026",
        "page": "https://explore-education-statistics.service.gov.uk/find-statistics/"
                "education-health-and-care-plans/2026",
        "zip_url": None,
        "release_slug": "2026",  # published June 2026; caseload.csv has 61 columns (special academies and
                                  # special free schools apart)
        "files": FILES_PERSON_LEVEL,
    },
    2025: {
        "folder": "ehcp-2025",
        "page": "https://explore-education-statistics.service.gov.uk/find-statistics/"
                "education-health-and-care-plans/2025",
        # releaseVersionId from the release's own data guidance (data-catalogue link)
        "zip_url": f"{EES_CONTENT_API}/releases/2e60aacd-d46c-416a-af4d-9d2269506ff6/files",
        "files": FILES_PERSON_LEVEL,
    },
    2022: {
        "folder": "ehcp-2022",
        "page": "https://explore-education-statistics.service.gov.uk/find-statistics/"
                "education-health-and-care-plans/2022",
        "zip_url": None,  # release version id not recorded; use --base-url or download from the page
        "files": [
            "data/sen2_estab_caseload.csv", "data/sen2_mi.csv", "data/sen2_age_caseload.csv",
            "data/sen2_age_new_plans.csv", "data/sen2_estab_new_plans.csv",
            "data/sen2_wbp_residential_dmo.csv", "data-guidance/data-guidance.txt",
        ],
    },
}
CHUNK = 1 << 16
TIMEOUT = 30
MANIFEST = "MANIFEST.json"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _load_manifest(folder: Path) -> dict:
    p = folder / MANIFEST
    if p.is_file():
        try:
            return json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            return {}
    return {}


def _save_manifest(folder: Path, manifest: dict) -> None:
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(dict(sorted(manifest.items())), indent=2) + "\n", encoding="utf-8")
    tmp.replace(folder / MANIFEST)


def release_zip_url(rel: dict, api: str | None = None) -> str | None:
    """The "download all data" address of a release: recorded, or looked up in EES's content API
    (``<api>/publications/<publication>/releases/<slug>`` returns the release version's ``id``; its zip is
    ``<api>/releases/<id>/files``). ``api`` defaults to :data:`EES_CONTENT_API`."""
    if rel.get("zip_url") or not rel.get("release_slug"):
        return rel.get("zip_url")
    api = (api or EES_CONTENT_API).rstrip("/")
    url = f"{api}/publications/{PUBLICATION}/releases/{rel['release_slug']}"
    req = urllib.request.Request(url, headers={"User-Agent": "sendlib-fetch-dfe", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:  # noqa: S310 - EES content API
            info = json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise DataError(f"DfE's statistics service has no release at {url} (HTTP {exc.code}); download "
                        f"'all data' from {rel['page']} or give --base-url") from None
    except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
        raise DataError(f"cannot reach {url} ({getattr(exc, 'reason', exc)}); are you offline?") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise DataError(f"{url} did not return the release's JSON description; download 'all data' from "
                        f"{rel['page']} or give --base-url") from None
    rid = info.get("id") if isinstance(info, dict) else None
    if not rid:
        raise DataError(f"{url} returned no release id; download 'all data' from {rel['page']}")
    return f"{api}/releases/{rid}/files"


def download(url: str, dest: Path, progress: bool = True) -> Path:
    """Download ``url`` to ``dest``, resuming from ``dest.part`` with an HTTP Range request."""
    from tqdm import tqdm

    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    req = urllib.request.Request(url, headers={"User-Agent": "sendlib-fetch-dfe"})
    if have:
        req.add_header("Range", f"bytes={have}-")
    try:
        resp = urllib.request.urlopen(req, timeout=TIMEOUT)  # noqa: S310 - http(s) URLs from RELEASES/base-url
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # the partial file is already complete
            part.replace(dest)
            return dest
        raise DataError(f"download failed: {url}: HTTP {exc.code} {exc.reason}") from None
    except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DataError(f"cannot reach {url} ({reason}); are you offline? Partial downloads are kept "
                        "and resume next time.") from None
    with resp:
        status = getattr(resp, "status", 200)
        if have and status != 206:  # server ignored Range: start again
            have = 0
        length = resp.headers.get("Content-Length")
        total = (int(length) + have) if length is not None else None
        mode = "ab" if have else "wb"
        try:
            with open(part, mode) as fh, tqdm(total=total, initial=have, unit="B", unit_scale=True,
                                               desc=dest.name, disable=not progress, leave=False) as bar:
                while True:
                    chunk = resp.read(CHUNK)
                    if not chunk:
                        break
                    fh.write(chunk)
                    bar.update(len(chunk))
        except (TimeoutError, OSError) as exc:
            raise DataError(f"download of {url} interrupted ({exc}); run the command again to resume") from None
    if total is not None and part.stat().st_size < total:
        raise DataError(f"download of {url} incomplete ({part.stat().st_size} of {total} bytes); run the "
                        "command again to resume")
    part.replace(dest)
    return dest


def fetch_release(year: int = 2025, out: Path | str | None = None, base_url: str | None = None,
                  progress: bool = True, files: list[str] | None = None) -> dict:
    """Download one release into ``<out>/ehcp-<year>/`` and return its manifest
    ``{path: {"sha256", "bytes", "url"}}``. ``out`` defaults to ``data/public``. ``base_url``: a mirror
    serving ``<base_url>/<path>``, or (ending ``.zip``) a copy of the release zip. ``files``: only these
    paths of the release, e.g. ``["data/caseload.csv"]`` (the zip is still downloaded whole)."""
    if year not in RELEASES:
        raise UsageError(f"release {year} is not known; choose from {', '.join(map(str, sorted(RELEASES)))}")
    rel = RELEASES[year]
    root = config.resolve_path(out, config.PUBLIC_DATA_DIR)
    folder = root / rel["folder"]
    folder.mkdir(parents=True, exist_ok=True)
    manifest = _load_manifest(folder)

    def up_to_date(relpath: str) -> bool:
        p = folder / relpath
        rec = manifest.get(relpath)
        return bool(rec) and p.is_file() and sha256_file(p) == rec["sha256"]

    def record(relpath: str, url: str) -> None:
        p = folder / relpath
        manifest[relpath] = {"sha256": sha256_file(p), "bytes": p.stat().st_size, "url": url}
        _save_manifest(folder, manifest)

    if files is not None:
        unknown = sorted(set(files) - set(rel["files"]))
        if unknown:
            raise UsageError(f"{unknown} are not files of the {year} release; choose from {rel['files']}")
    zip_url = rel.get("zip_url")
    if base_url and base_url.lower().split("?")[0].endswith(".zip"):
        zip_url, base_url = base_url, None  # a mirror of the release zip
    if base_url:
        for relpath in (files if files is not None else rel["files"]):
            if up_to_date(relpath):
                continue
            url = base_url.rstrip("/") + "/" + relpath
            download(url, folder / relpath, progress)
            record(relpath, url)
        return manifest

    wanted = files if files is not None else rel["files"]
    if all(up_to_date(f) for f in wanted):
        return manifest
    if not zip_url:
        zip_url = release_zip_url(rel)
    if not zip_url:
        raise UsageError(f"no default download address is recorded for the {year} release; download "
                         f"'all data' from {rel['page']} and unzip it into {folder}, or give --base-url")
    zpath = root / f"{rel['folder']}.zip"
    if not (zpath.is_file() and zipfile.is_zipfile(zpath)):  # a complete zip from an earlier run is reused
        download(zip_url, zpath, progress)
    try:
        with zipfile.ZipFile(zpath) as zf:
            for info in zf.infolist():
                name = info.filename
                if info.is_dir() or name.startswith("/") or ".." in Path(name).parts:
                    continue
                target = folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                record(name, zip_url)
    except zipfile.BadZipFile:
        zpath.unlink(missing_ok=True)
        raise DataError(f"{zip_url} did not return a zip file; download it from {rel['page']}") from None
    missing = [f for f in wanted if not (folder / f).is_file()]
    if missing:
        raise DataError(f"the {year} release zip lacks {missing}; DfE may have changed the release")
    return manifest


def fetch_neighbour_lists(versions=("2025", "2021"), out: Path | str | None = None,
                          base_url: str | None = None, progress: bool = True) -> dict:
    """Download DfE's statistical-neighbour lists (versions "2025" and/or "2021", see
    :data:`sendlib.dfe.neighbours.NEIGHBOUR_LISTS`) into ``<out>/lait/`` and return that folder's manifest
    ``{file name: {"sha256", "bytes", "url"}}``. ``base_url``: a mirror serving ``<base_url>/<file name>``.
    A list already present with the manifest's checksum is not downloaded again. Where DfE's file's
    sha256 is known (the May 2025 list) a download that differs is deleted and refused."""
    from sendlib.dfe.neighbours import NEIGHBOUR_LISTS, read_neighbour_workbook

    unknown = [v for v in versions if str(v) not in NEIGHBOUR_LISTS]
    if unknown or not versions:
        raise UsageError(f"unknown statistical-neighbour list {unknown or versions}; choose from "
                         f"{', '.join(NEIGHBOUR_LISTS)}")
    root = config.resolve_path(out, config.PUBLIC_DATA_DIR)
    folder = root / "lait"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = _load_manifest(folder)
    for v in versions:
        nl = NEIGHBOUR_LISTS[str(v)]
        name = Path(nl.file).name
        dest = folder / name
        rec = manifest.get(name)
        if rec and dest.is_file() and sha256_file(dest) == rec["sha256"]:
            continue
        url = base_url.rstrip("/") + "/" + name if base_url else nl.url
        download(url, dest, progress)
        got = sha256_file(dest)
        if nl.sha256 and got != nl.sha256:
            dest.unlink()
            raise DataError(f"{url} returned a file whose sha256 ({got[:12]}...) is not that of DfE's "
                            f"{nl.title} statistical-neighbour list ({nl.sha256[:12]}...); it was deleted. "
                            "Check the address (--base-url) or download the list from DfE's LAIT page.")
        try:  # a list with no published checksum must at least read as one (not an HTML error page)
            read_neighbour_workbook(dest)
        except DataError as exc:
            dest.unlink()
            raise DataError(f"{url} did not return DfE's {nl.title} statistical-neighbour workbook ({exc}); "
                            "it was deleted. Check the address (--base-url) or download the list from DfE's "
                            "LAIT page.") from None
        manifest[name] = {"sha256": got, "bytes": dest.stat().st_size, "url": url}
        _save_manifest(folder, manifest)
    return manifest
