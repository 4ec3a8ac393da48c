"""How each fictional agency writes about its work: who did what, where it is recorded, who owns actions.

The demo's answers are built from these, so a police return reads like a police return and a
school's like a school's. Every service, system and case here is fictional.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Voice:
    """One agency's words: its practitioners, its records, its routes in and out, its action owners."""

    code: str
    who: str
    record: str
    contact: str
    referral: str
    meeting: str
    lead: str
    completed_by: str
    owners: tuple[str, ...]

    def words(self) -> dict[str, str]:
        """The voice as template fields, each also capitalised (`Who`) to start a sentence."""
        fields = {
            "who": self.who,
            "record": self.record,
            "contact": self.contact,
            "referral": self.referral,
            "meeting": self.meeting,
            "lead": self.lead,
        }
        return {**fields, **{k.capitalize(): v[:1].upper() + v[1:] for k, v in fields.items()}}


VOICES: dict[str, Voice] = {
    "police": Voice(
        code="PPU",
        who="the response officers",
        record="the crime and intelligence record",
        contact="the 999 call and attendance",
        referral="a child concern notification to the MARU",
        meeting="the strategy discussion",
        lead="the Detective Inspector for public protection",
        completed_by="Detective Sergeant, Public Protection Unit",
        owners=("DI Public Protection", "Head of Crime Training", "PPU Sergeant"),
    ),
    "community-health": Voice(
        code="HV",
        who="the health visitor",
        record="the electronic health record",
        contact="routine enquiry at a home visit",
        referral="a referral to the MARU",
        meeting="the initial child protection conference",
        lead="the Named Nurse for Safeguarding Children",
        completed_by="Safeguarding Practitioner, 0-19 Service",
        owners=("Named Nurse", "0-19 Service Lead", "Safeguarding Training Lead"),
    ),
    "acute-hospital": Voice(
        code="ED",
        who="emergency department staff",
        record="the ED attendance record",
        contact="a disclosure during an ED attendance",
        referral="a same-day safeguarding referral to the MARU",
        meeting="the MARAC meeting",
        lead="the Named Nurse (Acute)",
        completed_by="Safeguarding Children Nurse, Acute Trust",
        owners=("Named Nurse (Acute)", "ED Matron", "Head of Midwifery"),
    ),
    "csc": Voice(
        code="CSC",
        who="the allocated social worker",
        record="the child's case record",
        contact="a contact received through the MARU",
        referral="a referral for a strategy discussion",
        meeting="the child protection conference",
        lead="the Head of Service for Safeguarding",
        completed_by="Practice Standards Manager, Children's Social Care",
        owners=("Head of Service", "Principal Social Worker", "Team Manager, Assessment"),
    ),
    "education": Voice(
        code="SCH",
        who="the Designated Safeguarding Lead",
        record="the school's safeguarding log",
        contact="a disclosure to the class teacher",
        referral="a call to the MARU",
        meeting="the core group",
        lead="the Education Safeguarding Lead",
        completed_by="Education Safeguarding Adviser",
        owners=("Education Safeguarding Lead", "DSL Network Chair", "Head of Inclusion"),
    ),
    "probation": Voice(
        code="PDU",
        who="the probation practitioner",
        record="the case management record",
        contact="a supervision appointment",
        referral="a safeguarding referral to the MARU",
        meeting="the MARAC meeting",
        lead="the Senior Probation Officer for safeguarding",
        completed_by="Senior Probation Officer, Safeguarding",
        owners=("Senior Probation Officer", "Head of PDU", "Quality Development Officer"),
    ),
    "housing": Voice(
        code="NHP",
        who="the housing officer",
        record="the tenancy file",
        contact="a repairs visit to the property",
        referral="a referral to the MARU",
        meeting="the MARAC meeting",
        lead="the Tenancy Services Safeguarding Lead",
        completed_by="Tenancy Services Safeguarding Lead",
        owners=("Tenancy Services Lead", "Housing Options Manager", "Training Coordinator"),
    ),
    "youth-justice": Voice(
        code="YJS",
        who="the YJS case manager",
        record="the youth justice case record",
        contact="a planned home visit",
        referral="a referral to the MARU",
        meeting="the multi-agency risk meeting",
        lead="the Youth Justice Service Manager",
        completed_by="Operational Manager, Youth Justice Service",
        owners=("YJS Service Manager", "YJS Operational Manager", "Health Worker, YJS"),
    ),
    "early-years": Voice(
        code="EY",
        who="the nursery key person",
        record="the setting's safeguarding file",
        contact="a conversation at collection time",
        referral="a call to the MARU",
        meeting="the child in need meeting",
        lead="the Early Years Safeguarding Officer",
        completed_by="Early Years Safeguarding Officer",
        owners=("Early Years Safeguarding Officer", "Setting Manager", "EY Training Lead"),
    ),
    "ambulance": Voice(
        code="AMB",
        who="the ambulance crew",
        record="the electronic patient care record",
        contact="an emergency call to the address",
        referral="a safeguarding referral through the Trust's hub",
        meeting="the strategy discussion",
        lead="the Head of Safeguarding",
        completed_by="Safeguarding Specialist Practitioner",
        owners=("Head of Safeguarding", "Clinical Education Lead", "Operations Manager"),
    ),
}
