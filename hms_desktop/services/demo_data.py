"""Realistic demo patients for trying the app and for benchmarks.

Faker supplies names and addresses from several locales; we draw them once into pools and combine
at random, which is what lets 100,000 patients load in seconds rather than minutes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

from .patients import PatientInput, insert_patients, validate
from .permissions import Permission
from .unit_of_work import UnitsOfWork

# (locale, weight): a city clinic's mix, mostly Latin-script names with some that are not.
LOCALES = (
    ("en_IN", 30), ("en_US", 20), ("en_GB", 12), ("es_ES", 8), ("de_DE", 6), ("fr_FR", 6),
    ("no_NO", 4), ("pl_PL", 4), ("zh_CN", 4), ("ar_AA", 3), ("el_GR", 3),
)
POOL_SIZE = 400
BATCH = 5000
BLOOD_WEIGHTS = (("O+", 37), ("A+", 28), ("B+", 20), ("AB+", 5), ("O-", 4), ("A-", 3), ("B-", 2), ("AB-", 1), ("", 30))
ALLERGIES = ("", "", "", "", "", "", "Penicillin", "Sulfa drugs", "Peanuts", "Latex", "Aspirin", "Shellfish")


class _Pools:
    def __init__(self, seed: int) -> None:
        # Imported here: Faker takes a noticeable part of a second to import, and start-up matters.
        from faker import Faker

        self.rng = random.Random(seed)
        self.by_locale: list[dict[str, list[str]]] = []
        self.weights: list[int] = []
        for locale, weight in LOCALES:
            fake = Faker(locale)
            fake.seed_instance(seed)
            self.by_locale.append(
                {
                    "female": [fake.first_name_female() for _ in range(POOL_SIZE)],
                    "male": [fake.first_name_male() for _ in range(POOL_SIZE)],
                    "family": [fake.last_name() for _ in range(POOL_SIZE)],
                    "street": [fake.street_address().replace("\n", ", ") for _ in range(POOL_SIZE // 4)],
                    "city": [f"{fake.city()} {fake.postcode()}" for _ in range(POOL_SIZE // 8)],
                }
            )
            self.weights.append(weight)


def generate(count: int, *, seed: int = 2026, today: date | None = None) -> Iterator[PatientInput]:
    today = today or date.today()
    pools = _Pools(seed)
    rng = pools.rng
    for _ in range(count):
        pool = rng.choices(pools.by_locale, pools.weights)[0]
        sex = rng.choices(("female", "male", "other", "unknown"), (49, 49, 1, 1))[0]
        given = rng.choice(pool["male" if sex == "male" else "female"])
        family = rng.choice(pool["family"])
        age_days = int(rng.triangular(0, 95 * 365, 35 * 365))
        estimated = rng.random() < 0.02
        phone = f"+91 {rng.randint(70000, 99999)} {rng.randint(0, 99999):05d}" if rng.random() < 0.92 else ""
        email = ""
        if rng.random() < 0.4:
            local = "".join(c for c in f"{given}.{family}".lower() if c.isascii() and (c.isalnum() or c == "."))
            local = local.strip(".").replace("..", ".")
            email = f"{local or 'patient'}{rng.randint(1, 999)}@example.com"
        contact = ""
        if rng.random() < 0.6:
            contact = f"{rng.choice(pool['female'] + pool['male'])} {family}"
        yield PatientInput(
            given_name=given,
            family_name=family,
            sex=sex,
            date_of_birth=None if estimated else today - timedelta(days=age_days),
            estimated_age_years=age_days // 365 if estimated else None,
            phone=phone,
            email=email,
            address=f"{rng.choice(pool['street'])}, {rng.choice(pool['city'])}",
            blood_group=rng.choices([b for b, _ in BLOOD_WEIGHTS], [w for _, w in BLOOD_WEIGHTS])[0],
            allergies=rng.choice(ALLERGIES),
            emergency_contact_name=contact,
            emergency_contact_phone=f"+91 {rng.randint(70000, 99999)} {rng.randint(0, 99999):05d}" if contact else "",
        )


class DemoDataService:
    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units

    def load_patients(
        self, count: int, *, seed: int = 2026, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Add ``count`` made-up patients, in batches; returns how many were added."""
        actor = self._units.authorise(Permission.DEMO_DATA)
        if not 0 < count <= 5_000_000:
            raise ValueError("Choose between 1 and 5,000,000 demo patients.")
        done = 0
        batch: list[dict[str, Any]] = []
        for data in generate(count, seed=seed):
            batch.append(validate(data))
            if len(batch) == BATCH:
                done += self._write(batch, actor.id)
                batch = []
                if progress:
                    progress(done, count)
        if batch:
            done += self._write(batch, actor.id)
        with self._units.write(Permission.DEMO_DATA) as uow:
            uow.audit("demo.patients_loaded", entity_type="patient", summary=f"Loaded {done:,} demo patients")
            uow.announce("patients", "created")
        if progress:
            progress(done, count)
        return done

    def _write(self, batch: list[dict[str, Any]], actor_id: int | None) -> int:
        with self._units.write(Permission.DEMO_DATA) as uow:
            insert_patients(uow.session, batch, actor_id)
        return len(batch)
