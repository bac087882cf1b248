"""The linker on a labelled synthetic county (20,000 persons, 4,000 noisy warnings): the
precision, recall and review share the county relies on."""

from datetime import date
from uuid import NAMESPACE_OID, uuid5

from matching.domain.linker import LinkIndex
from matching.domain.resolution import PersonRecord
from shouwang_proto.events import PersonRef

from bench.linkage_data import evaluate, registry, warnings


def test_precision_recall_and_review_share_on_noisy_warnings() -> None:
    people = list(registry(20_000, seed=7))
    ids = {p.person_id: uuid5(NAMESPACE_OID, p.person_id) for p in people}
    back = {v: k for k, v in ids.items()}
    index = LinkIndex.build(
        PersonRecord(
            ids[p.person_id],
            uuid5(NAMESPACE_OID, p.household_id),
            p.id_number,
            p.name,
            p.gender,
            None,
            p.village_code,
            p.phone or None,
        )
        for p in people
    )
    rows = list(warnings(people, 4_000, seed=8))
    decided: dict[str, tuple[str, str]] = {}
    for row in rows:
        result = index.resolve(
            PersonRef(
                name=row.name,
                id_number=row.id_number or None,
                birth_date=date.fromisoformat(row.birth_date) if row.birth_date else None,
                region_code=row.village_code or None,
                phone=row.phone or None,
            )
        )
        decided[row.warning_id] = (
            result.verdict,
            back[result.person_id] if result.person_id else "",
        )
    metrics = evaluate(rows, decided)
    assert metrics.precision >= 0.999
    assert metrics.recall["valid"] >= 0.99
    assert metrics.recall["broken"] >= 0.90
    assert metrics.recall["missing"] >= 0.90
    assert metrics.review_share <= 0.03
