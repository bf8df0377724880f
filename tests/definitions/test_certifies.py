"""Which achievements earn a certificate: the organisation's YAML says, per lifecycle, with a
module's or pathway's own `certificate:` over the training programme's default."""

from __future__ import annotations

from definitions.certificates import award_status, certifies
from definitions.organisation import Organisation
from definitions.training import Certifies


def test_the_sample_certifies_everything(organisation: Organisation) -> None:
    for kind, key in (
        ("module", "first_aid"),
        ("pathway", "para_social_worker_curriculum"),
        ("asye", "asye"),
        ("progression", "senior_social_worker"),
    ):
        assert certifies(organisation, kind, key), kind
        assert award_status(organisation, kind, key) == "waiting"


def test_each_lifecycle_says_for_itself(organisation: Organisation) -> None:
    assert organisation.training and organisation.asye and organisation.panels
    training = organisation.training.model_copy(
        update={"certificates": Certifies(modules=False, pathways=False)}
    )
    own = organisation.model_copy(
        update={
            "training": training,
            "asye": organisation.asye.model_copy(update={"certificate": False}),
            "panels": None,
        }
    )
    for kind, key in (
        ("module", "first_aid"),
        ("pathway", "para_social_worker_curriculum"),
        ("asye", "asye"),
        ("progression", "senior_social_worker"),
    ):
        assert not certifies(own, kind, key), kind
        assert award_status(own, kind, key) == "uncertified"
