"""The linker on a labelled synthetic county (20,000 persons, 4,000 noisy warnings: namesakes,
twins, shared phones, relatives' IDs, slips, old 15-digit IDs, traditional characters,
homophones, wrong birth dates and places, 15% people the registry lacks): the precision, recall
and review share the county relies on."""

from datetime import date
from uuid import NAMESPACE_OID, uuid5

from matching.domain.linker import LinkIndex
from matching.domain.linker.index import make_query
from matching.domain.resolution import PersonRecord

from bench.linkage_data import breakdown, evaluate, registry, warnings


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
            date.fromisoformat(p.birth_date) if p.birth_date else None,
            p.village_code,
            p.phone or None,
        )
        for p in people
    )
    rows = list(warnings(people, 4_000, seed=8))
    decided: dict[str, tuple[str, str]] = {}
    for row in rows:
        result = index.decide(
            make_query(
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
    wrong, _ = breakdown(rows, decided)
    assert metrics.precision >= 0.999, wrong.most_common(5)
    assert metrics.recall["valid"] >= 0.99
    assert metrics.recall["broken"] >= 0.90
    assert metrics.recall["missing"] >= 0.90
    assert metrics.review_share <= 0.03
    assert metrics.unmatched_strangers >= 0.90  # people the registry lacks are reported
