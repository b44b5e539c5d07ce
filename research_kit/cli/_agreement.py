"""``research-kit agreement``: agreement between coders, per code and overall (table or JSON)."""

from __future__ import annotations

import argparse
import json

import pandas as pd

from research_kit.cli._output import EXIT_OK
from research_kit.study import open_study

__all__ = ["add_agreement_command"]


def add_agreement_command(commands: argparse._SubParsersAction) -> None:
    """Add ``agreement``."""
    agreement = commands.add_parser(
        "agreement", help="agreement between coders, per code and overall"
    )
    agreement.add_argument("--study", default=".", help="study folder (default: here)")
    agreement.add_argument("--coder", action="append", help="a coder to compare (repeatable)")
    agreement.add_argument("--unit", choices=("excerpt", "character"), default="excerpt")
    agreement.add_argument("--document", action="append", help="limit to these documents")
    agreement.add_argument(
        "--disagreements", action="store_true", help="also list every excerpt where coders differ"
    )
    agreement.add_argument("--json", action="store_true", help="print JSON instead of a table")
    agreement.set_defaults(run=_run_agreement)


def _run_agreement(args: argparse.Namespace) -> int:
    from research_kit.interviews.agreement import (
        coder_agreement,
        disagreements,
        pairwise_agreement,
    )

    options = {"coders": args.coder, "unit": args.unit, "documents": args.document}
    with open_study(args.study, create=False) as study:
        table = coder_agreement(study, **options)
        compared = list(table["coders"].iloc[0])
        # Kappa is for two coders: with more, each pair gets its own (on the notes it shares).
        pairs = pairwise_agreement(study, **options) if len(compared) > 2 else None
        differing = disagreements(study, **options) if args.disagreements else None
    if args.json:
        payload = _agreement_payload(table, differing)
        if pairs is not None:
            payload["pairs"] = json.loads(pairs.to_json(orient="records"))
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"agreement by {table['unit'].iloc[0]} between {', '.join(compared)}")
    shown = table.drop(columns=list(_AGREEMENT_CONTEXT))
    print(shown.to_string(index=False, float_format=lambda value: f"{value:.3f}"))
    if pairs is not None:
        print("\nCohen's kappa for each pair of coders (overall, on the notes both coded)")
        print(pairs.to_string(index=False, float_format=lambda value: f"{value:.3f}"))
    if differing is not None:
        print(f"\n{len(differing)} disagreement(s)")
        print(differing.drop(columns=["text"]).to_string(index=False))
    return EXIT_OK


#: Columns of the agreement table that are the same in every row: said once, above the rows.
_AGREEMENT_CONTEXT = ("level", "coders", "documents")


def _agreement_payload(table: pd.DataFrame, differing: pd.DataFrame | None) -> dict:
    first = table.iloc[0]
    records = json.loads(table.drop(columns=list(_AGREEMENT_CONTEXT)).to_json(orient="records"))
    payload = {
        "unit": first["unit"],
        "level": first["level"],
        "coders": list(first["coders"]),
        "documents": list(first["documents"]),
        "codes": [record for record in records if record["code_id"] != "overall"],
        "overall": next(record for record in records if record["code_id"] == "overall"),
    }
    if differing is not None:
        payload["disagreements"] = json.loads(differing.to_json(orient="records"))
    return payload
