"""``pdf``: the patient's handout, printed: the ``html`` page laid out by WeasyPrint.

An optional extra (``pip install 'needleplan[pdf]'``): WeasyPrint is pure Python
over the system's Pango, and adds about 77 MB, so the runtime install stays small
for clinics that print from the browser. Without it, asking for ``pdf`` is a
one-line error that names the extra.

The output is bytes. With ``--output-dir`` each profile gets its own PDF; a
document of several plans puts each on its own page(s). The page's own footer
(``@page`` margin boxes in ``handout.css``) is the only header or footer: there
is no browser to add its own. Nothing is fetched while printing (the page loads
no resource; a URL fetcher that refuses everything makes sure of it), and the
same plan gives the same bytes (WeasyPrint's creation date is left out).
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Any, NoReturn

from needleplan.errors import WriterError
from needleplan.writers.base import Writer
from needleplan.writers.html import HtmlWriter

if TYPE_CHECKING:
    from needleplan.results import Plan


def _missing() -> WriterError:
    return WriterError(
        "PDF output needs the optional 'pdf' extra (WeasyPrint), which is not installed",
        hint="pip install 'needleplan[pdf]', or write html and print it from a browser",
    )


def _refuse(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    """The URL fetcher: a handout loads nothing from outside, so every fetch is refused."""
    raise ValueError("a handout loads no resource")


def print_pdf(html: str) -> bytes:
    """``html`` laid out on A4 pages as PDF bytes."""
    try:
        import weasyprint
    except ImportError:
        raise _missing() from None
    except OSError as exc:  # the system's Pango library is missing or broken
        raise WriterError(
            f"WeasyPrint cannot start: {exc}",
            hint="install Pango (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0)",
        ) from None
    document = weasyprint.HTML(string=html, url_fetcher=_refuse, base_url=".")
    pdf: bytes = document.write_pdf()
    return pdf


class PdfWriter(Writer):
    name = "pdf"
    extension = ".pdf"
    streaming = False
    #: bytes, never text: never written to a terminal
    binary = True

    def __init__(self, **options: Any) -> None:
        if importlib.util.find_spec("weasyprint") is None:
            raise _missing()
        super().__init__(**options)
        self._html = HtmlWriter(**options)

    def item(self, plan: Plan, many: bool) -> str:
        raise WriterError("a PDF is made whole, not streamed")

    def document(self, plans: list[Plan], many: bool) -> bytes:  # type: ignore[override]
        return print_pdf(self._html.document(plans, many))
