"""Generate the synthetic resident/business permitting survey of research_kit's sample study.

What this makes
---------------
A *fictional* survey of Port Alder (a made-up city, see the sample study's world
description) about the City's permitting services, fielded 2026-04-06 to
2026-05-17. Every respondent, answer, id and timestamp is invented by this
script: the data is synthetic and describes no real city, person or business.
No answer names a person; the few phone numbers (555-01xx) and e-mail
addresses (example.org) are fake on purpose, for privacy-redaction tests.

Outputs (relative to the repository root)
-----------------------------------------
* interview_data/survey/permitting_survey_2026.csv - the survey export, written
  the way an online survey tool writes it: UTF-8 with BOM, CRLF line endings,
  every field quoted, one header row, 1,850 respondents.
* interview_data/survey/population_margins.csv - census-style adult population
  margins (Ward, Age, Race/ethnicity) for raking weights.
* benchmarks/data/sample_survey_truth.csv - the generator's ground truth: the
  theme behind each open-ended answer (empty for blanks and non-answers), for
  clustering-quality benchmarks.
* interview_data/survey/permitting_survey_2025.csv - the same survey a year
  earlier (its first wave), 1,100 respondents, fielded 2025-04-07 to
  2025-05-18, before the AlderPermits portal and the permit checklists
  (September 2025): knowing the status of an application and finding out which
  permits are needed were rated lower. Two questions read differently, as
  exports of a re-fielded survey do: the satisfaction question with the city
  in lower case and a typographic apostrophe (matched by its text) and the
  status statement reworded (matched by ``match:`` in study.yml). It is drawn
  from its own seed after the 2026 wave, so the 2026 files do not change.

How it is simulated
-------------------
* The sample is deliberately unrepresentative: Ward 4, White and 45-64 year
  olds are over-represented; Ward 2, Ward 5, Hispanic, Asian and 18-34 year
  olds under-represented, so weighting to the margins changes estimates.
* Demographics follow the wards (Ward 2 Latino, Ward 3 Black, Ward 4 affluent
  and white, Ward 5 Vietnamese/Cambodian, Ward 6 suburban contractors).
* Each respondent gets an underlying theme for both open-ended questions, drawn
  with group-specific prevalence (language access among Spanish/Vietnamese
  speakers and Wards 2/5, favouritism in Ward 3, expediters in Ward 4,
  inspection scheduling among contractors). The Likert ratings are driven by
  ward, language and those themes, so by-ward and weighted estimates differ.
* Open-ended text is drawn from large hand-written pools (below) and then
  roughened: typos, case, punctuation, lead-ins and sign-offs, two-theme
  answers, blanks and non-answers; Spanish and Vietnamese answers for
  respondents who took the survey in those languages.

Run from the repository root: ``python scripts/make_sample_survey.py``.
The output is deterministic (fixed seed) and byte-identical on every run.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

# --------------------------------------------------------------------------
# Paths, seed, size
# --------------------------------------------------------------------------

SEED = 20260406
N_RESPONDENTS = 1850

ROOT = Path(__file__).resolve().parent.parent
SURVEY_PATH = ROOT / "interview_data" / "survey" / "permitting_survey_2026.csv"
MARGINS_PATH = ROOT / "interview_data" / "survey" / "population_margins.csv"
TRUTH_PATH = ROOT / "benchmarks" / "data" / "sample_survey_truth.csv"

FIELD_START = datetime(2026, 4, 6)
FIELD_DAYS = 42  # 2026-04-06 .. 2026-05-17 inclusive

# --------------------------------------------------------------------------
# Questions and answer options (spelled exactly as in the export)
# --------------------------------------------------------------------------

Q_APPLIED = "Did you apply for a City permit or license in the last 2 years?"
Q_SATISFACTION = "Overall, how satisfied are you with the City's permitting services?"
Q1 = "What one thing should the City change about permitting?"
Q2 = "Tell us about your most recent experience getting a permit or license in Port Alder."

LIKERT_ITEMS = {  # short key -> column header
    "easy": "It was easy to find out which permits I needed",
    "consistent": "City staff gave me consistent answers",
    "time": "The permit process took a reasonable amount of time",
    "status": "I always knew the status of my application",
}

HEADER = [
    "Respondent ID",
    "Start Date",
    "End Date",
    "Language",
    "Ward",
    "Age",
    "Race/ethnicity",
    "Type of business",
    Q_APPLIED,
    *LIKERT_ITEMS.values(),
    Q_SATISFACTION,
    Q1,
    Q2,
]

LIKERT = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
SATISFACTION = ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"]

# --------------------------------------------------------------------------
# Waves: the 2026 survey and the same survey a year earlier
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Wave:
    """One fielding of the survey: its size, dates, file, header and what differed."""

    seed: int
    respondents: int
    field_start: datetime
    path: Path
    header: list[str]
    item_shift: dict[str, float] = field(default_factory=dict)  # added to every latent rating
    special_answers: bool = False  # the PII and formula answers (privacy tests) live in 2026


WAVE_2026 = Wave(SEED, N_RESPONDENTS, FIELD_START, SURVEY_PATH, HEADER, special_answers=True)
Q_SATISFACTION_2025 = "Overall, how satisfied are you with the city\u2019s permitting services?"
Q_STATUS_2025 = "I always knew where my application was in the process"
WAVE_2025 = Wave(
    seed=20250408,  # of the first few seeds, one where unshifted items move only by chance
    respondents=1100,
    field_start=datetime(2025, 4, 7),  # a Monday, as 2026-04-06 is
    path=ROOT / "interview_data" / "survey" / "permitting_survey_2025.csv",
    header=[
        {Q_SATISFACTION: Q_SATISFACTION_2025, LIKERT_ITEMS["status"]: Q_STATUS_2025}.get(q, q)
        for q in HEADER
    ],
    # Before the portal and the checklists of September 2025.
    item_shift={"status": -0.40, "easy": -0.25},
)

WARDS = [f"Ward {i}" for i in range(1, 7)]
AGES = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
HISPANIC, WHITE, BLACK, ASIAN, MULTI, OTHER_RACE, NO_RACE = (
    "Hispanic or Latino",
    "White",
    "Black or African American",
    "Asian",
    "Two or more races",
    "Another race",
    "Prefer not to say",
)
RACES = [HISPANIC, WHITE, BLACK, ASIAN, MULTI, OTHER_RACE, NO_RACE]
RESTAURANT, RETAIL, PERSONAL, CONTRACTOR, HOME, PROFESSIONAL, NOT_OWNER = (
    "Restaurant / food service",
    "Retail",
    "Personal services (salon, barber, nails)",
    "Contractor / trades",
    "Home-based business",
    "Professional services",
    "Not a business owner",
)
BUSINESS_TYPES = [RESTAURANT, RETAIL, PERSONAL, CONTRACTOR, HOME, PROFESSIONAL, NOT_OWNER]
ENGLISH, SPANISH, VIETNAMESE = "English", "Spanish", "Vietnamese"

# --------------------------------------------------------------------------
# Who answers: the (unrepresentative) sample
# --------------------------------------------------------------------------

SAMPLE_WARD_WEIGHTS = {
    "Ward 1": 0.17,
    "Ward 2": 0.11,
    "Ward 3": 0.16,
    "Ward 4": 0.27,
    "Ward 5": 0.09,
    "Ward 6": 0.20,
}

RACE_BY_WARD = {  # sample shares in RACES order (whiter than the population)
    "Ward 1": [0.17, 0.44, 0.14, 0.10, 0.06, 0.03, 0.06],
    "Ward 2": [0.50, 0.25, 0.06, 0.05, 0.06, 0.03, 0.05],
    "Ward 3": [0.10, 0.20, 0.55, 0.03, 0.05, 0.02, 0.05],
    "Ward 4": [0.05, 0.76, 0.04, 0.06, 0.04, 0.01, 0.04],
    "Ward 5": [0.14, 0.22, 0.06, 0.45, 0.04, 0.04, 0.05],
    "Ward 6": [0.16, 0.60, 0.07, 0.06, 0.05, 0.02, 0.04],
}

AGE_BASE = [0.045, 0.12, 0.19, 0.25, 0.23, 0.165]  # AGES order, skewed to 45-64
AGE_WARD_FACTORS = {  # multiplies AGE_BASE
    "Ward 2": [1.6, 1.5, 1.1, 1.0, 0.8, 0.7],
    "Ward 4": [0.7, 0.8, 0.9, 1.0, 1.3, 1.3],
    "Ward 5": [1.1, 1.3, 1.3, 1.0, 0.8, 0.8],
}
AGE_BLANK_RATE = 0.015

BUSINESS_BY_WARD = {  # BUSINESS_TYPES order
    "Ward 1": [0.18, 0.17, 0.08, 0.06, 0.07, 0.17, 0.27],
    "Ward 2": [0.30, 0.15, 0.10, 0.08, 0.09, 0.04, 0.24],
    "Ward 3": [0.13, 0.12, 0.27, 0.07, 0.10, 0.06, 0.25],
    "Ward 4": [0.10, 0.20, 0.07, 0.06, 0.08, 0.24, 0.25],
    "Ward 5": [0.22, 0.10, 0.30, 0.07, 0.06, 0.03, 0.22],
    "Ward 6": [0.07, 0.10, 0.06, 0.30, 0.20, 0.07, 0.20],
}
BUSINESS_RACE_FACTORS = {  # (race, business) -> multiplier
    (ASIAN, PERSONAL): 1.6,
    (ASIAN, RESTAURANT): 1.3,
    (BLACK, PERSONAL): 1.4,
    (HISPANIC, RESTAURANT): 1.5,
    (HISPANIC, CONTRACTOR): 1.3,
    (WHITE, PROFESSIONAL): 1.3,
}

P_APPLIED_OWNER = 0.78
P_APPLIED_RESIDENT = 0.25

# --------------------------------------------------------------------------
# Population margins (adults), for raking. Each variable sums to 312,000.
# --------------------------------------------------------------------------

POPULATION_MARGINS = {
    "Ward": {
        "Ward 1": 47_830,
        "Ward 2": 60_940,
        "Ward 3": 52_310,
        "Ward 4": 46_720,
        "Ward 5": 55_480,
        "Ward 6": 48_720,
    },
    "Age": {
        "18-24": 40_710,
        "25-34": 62_380,
        "35-44": 56_140,
        "45-54": 49_920,
        "55-64": 46_730,
        "65+": 56_120,
    },
    "Race/ethnicity": {
        HISPANIC: 87_460,
        WHITE: 118_390,
        BLACK: 46_920,
        ASIAN: 37_280,
        MULTI: 12_610,
        OTHER_RACE: 9_340,
    },
}
POPULATION_TOTAL = 312_000

# --------------------------------------------------------------------------
# Q1 "What one thing should the City change about permitting?" - English pools
# --------------------------------------------------------------------------

Q1_PLAN_REVIEW_SPEED = (
    "Faster plan review.",
    "Hire more plan reviewers.",
    "Speed up plan review",
    "Plan review takes way too long",
    "Fill the vacant plan reviewer positions. Everyone knows you're short-staffed.",
    "Six weeks for a plan review on a 900 sq ft tenant improvement is absurd.",
    "Shorten the wait for Building & Safety to even look at the drawings.",
    "Put a deadline on plan review. If the city doesn't respond in 15 business days, the plans should be deemed approved.",
    "Quicker turnaround on plans, please",
    "The backlog in plan review. Fix that and half the complaints go away.",
    "Review times. We paid rent on an empty storefront for two months waiting on Building & Safety.",
    "Staff up the plan review desk",
    "Let small projects skip the full plan review queue.",
    "faster approvals",
    "Get the plan check turnaround under two weeks like it used to be",
    "Honestly just the speed. Everything takes forever at plan review.",
    "Create an express lane for small remodels and simple tenant improvements.",
    "Pay plan reviewers enough that they stay. The turnover is killing everyone's timeline.",
    "Use outside plan check firms when the backlog goes over three weeks.",
    "Review the whole set of plans at once instead of one comment at a time every three weeks.",
    "It took 5 weeks to get first comments back on a simple counter and sink. Speed that up.",
    "Approve things faster. Small businesses cannot wait months.",
    "The time it takes. Period.",
    "Set a published target for plan review and actually report whether you hit it.",
    "More staff in Building and Safety so plan review doesn't sit for a month.",
    "Allow over-the-counter approval for minor work instead of sending everything to plan review",
    "Cut the waiting time for plan review in half",
    "The plan review queue is the bottleneck. Everyone in the trades knows it.",
    "Faster permits!!",
    "Turn around resubmittals faster — the second review shouldn't take as long as the first",
    "Stop letting plans sit on a desk for weeks before anyone opens them.",
    "Do concurrent reviews (zoning, building, fire) instead of one after the other.",
    "Speed. We lost our lender's rate lock because the permit took 11 weeks.",
    "Make plan review faster for restaurants. We burn cash every week we can't open.",
    "Quicker review of plans for small projects.",
    "Reduce the 3-6 week wait before review even starts",
    "Make the Small Business Express pilot permanent and bigger so more plans get reviewed quickly.",
    "shorter review times",
    "Get through the backlog. Weekend overtime, temp staff, whatever it takes.",
    "The wait for plan check. I had a crew sitting idle for a month.",
    "I'd like the city to commit to a timeline for plan review and stick to it.",
    "Faster turnaround time",
    "plan review is way too slow for tiny jobs",
    "A month to review a sign permit? Come on.",
    "Prioritize small business tenant improvements in the plan review line",
    "4 of 11 plan reviewer jobs are empty. That's the whole problem right there.",
)

Q1_INSPECTION_SCHEDULING = (
    "Easier inspection scheduling",
    "Let us book inspections online instead of calling the phone line.",
    "Faster inspections",
    "A 4-hour inspection window is impossible when you're running a business alone.",
    "Give a 1 hour window for inspections, not 8am to noon.",
    "Online scheduling for inspections!",
    "Drop the 2-day lead time for inspections. Same-day or next-day for small stuff.",
    "The inspection phone line is always busy and then it goes to voicemail. Fix it.",
    "More inspectors.",
    "Let contractors schedule inspections through AlderPermits.",
    "Text me when the inspector is on the way like every delivery company does.",
    "Inspection times that work for people who have day jobs. Evenings or Saturdays.",
    "Get inspectors out faster. Waiting a week for a rough-in inspection holds up the whole job.",
    "scheduling inspections",
    "Stop cancelling inspections the morning of without telling anyone.",
    "I lose half a day every time I wait for an inspector. Narrower windows please.",
    "Allow video inspections for minor things like water heaters and small electrical.",
    "Combine inspections so fire and building can come the same day.",
    "Fix the inspection request line. It has been broken for years.",
    "My crew stands around waiting on inspectors. Time is money.",
    "Inspection availability, especially in the spring rush",
    "Let us pick a specific time slot for an inspection.",
    "If an inspector is running late, call the contractor. Simple courtesy.",
    "Faster re-inspections after a failed item. Don't make us wait another week for a 2 minute check.",
    "inspections take too long to schedule",
    "Hire more building inspectors and give them tablets so they can log results on site.",
    "Get rid of the phone-only scheduling. It's 2026.",
    "Make inspection scheduling less of a lottery.",
    "More inspection slots",
    "Next-day inspections for trades.",
    "The inspection process: scheduling, windows, no-shows. All of it.",
    "Tell us the inspection time the day before instead of 'sometime in the morning'.",
    "Let the Fire Prevention inspector and the health inspector coordinate so we don't have to close twice.",
    "Quicker final inspections so we can actually open.",
    "Stop making people call at 7:30am sharp to get an inspection slot.",
    "Partial inspections for phased projects would save us weeks.",
    "Inspector no-shows. Make them accountable.",
    "An online calendar with open inspection times.",
    "Better scheduling for inspections in Westridge — they never seem to have slots out here.",
    "Same day inspection requests",
    "Inspection windows are ridiculous",
    "Stop making us take time off work to wait for an inspector who shows up at 11:55.",
    "Let me reschedule an inspection without calling three times.",
    "I'd change how inspections are booked. The phone tree is a nightmare.",
    "Give small contractors the same shot at inspection slots that the big builders get",
)

Q1_PORTAL_PROBLEMS = (
    "Fix the portal.",
    "AlderPermits needs to actually work.",
    "The new portal crashes every time I upload our architect's drawings.",
    "Raise the 25 MB upload limit. Real plan sets are bigger than that.",
    "Make the website easier to use",
    "The online system times out before I can finish the application. I lost everything twice.",
    "AlderPermits is worse than the old Tidemark system and that is saying something.",
    "Better online portal",
    "Let us save an application halfway and come back to it.",
    "Make the portal work on a phone. Not everyone has a computer at the shop.",
    "The website. It's confusing and it breaks.",
    "Allow uploading large PDFs without splitting them into ten pieces.",
    "Fix the upload errors on AlderPermits!!!",
    "Test the portal with actual small business owners before launching it.",
    "online portal is terrible",
    "Stop the session timeouts. 15 minutes is not enough to fill out a permit form.",
    "I'd fix the portal's error messages. 'Something went wrong' tells me nothing.",
    "Have a working help desk for the portal, someone who answers the phone.",
    "The portal kept logging me out and deleting my attachments.",
    "Website crashes constantly",
    "Make it possible to pay fees online without the portal freezing.",
    "The search on AlderPermits can't find my own application by address.",
    "Bring back paper submission for people who can't deal with the portal.",
    "Portal usability. The forms ask the same question three different ways.",
    "Make AlderPermits stable",
    "Please stop making us re-enter the same information on every page of the online form.",
    "Better online application system.",
    "The upload limit is a joke. My drawings are 80 MB.",
    "Web portal improvements",
    "When the portal goes down, post it somewhere so we know it's not just us.",
    "The portal launch in September was a disaster and it still isn't fixed.",
    "Let architects and contractors upload on behalf of the owner without sharing passwords.",
    "make the online system not crash",
    "Simplify the online application. Too many screens, too many dropdowns that don't fit my business.",
    "The permit website should tell you what's wrong with a file instead of just rejecting it.",
    "AlderPermits. Just fix it.",
    "The portal's address lookup doesn't recognize the newer buildings in Southfield.",
    "Get a real IT vendor to fix the portal. It times out every single afternoon.",
    "Having to email drawings in separate pieces because the portal can't handle them is ridiculous.",
    "Make the portal faster, it takes a minute to load each page",
    "Honestly the portal. I spent 3 hours on one application.",
    "Online system improvements — uploads keep failing.",
    "Provide a computer and someone to help at the Permit Center for people who struggle with the portal.",
    "Portal!!",
    "The website upload function",
    "Whoever signed off on AlderPermits should have to submit a restaurant plan set through it.",
)

Q1_STATUS_TRACKING = (
    "Let me see the status of my application online.",
    "Better communication.",
    "Tell people where their application is",
    "Send email updates when something changes on my permit.",
    "Status updates!",
    "Return phone calls.",
    "I want to know who has my file and what they're waiting for.",
    "The status in the portal just says 'In Review' for weeks. That tells me nothing.",
    "A simple tracker like a package delivery: received, in review, comments sent, approved.",
    "Communication. Nobody ever tells you anything until you call.",
    "Respond to emails within a few days.",
    "Text message updates on permit status",
    "Give an estimated date for each step so we can plan our opening.",
    "Tell us when the application is stuck in another department, like Fire or Public Health.",
    "More transparency about where things are.",
    "Keep applicants informed",
    "Stop the black hole. You submit and then silence for a month.",
    "Let me see the reviewer's comments as soon as they're written, not when the whole packet is done.",
    "answer the phone",
    "A contact name and a status on every application.",
    "Proactive updates. I shouldn't have to call every week to find out nothing has happened.",
    "Notify us when the permit is ready instead of us finding out by accident.",
    "Visibility into the process",
    "Honest timelines. If it's going to be 8 weeks, say 8 weeks.",
    "Update the status page in AlderPermits. It's always behind reality.",
    "Communication between the city and applicants is nonexistent.",
    "Let people know what's happening with their applications!!",
    "Call back when you say you will.",
    "Show the queue position for plan review so we know how long to wait.",
    "The status of the application should be visible to the contractor and the owner.",
    "Better updates during the process",
    "When my file went over to Fire Prevention nobody told me, I thought it was lost.",
    "Email confirmation that you actually received my documents would be a start.",
    "I'd make sure every applicant gets a weekly update, even if it's 'still waiting'.",
    "Transparency on status and timelines",
    "Stop making us drive down to the counter just to ask where our permit is.",
    "communication communication communication",
    "Let me track it online like a pizza order.",
    "Tell applicants what the hold-up is.",
    "Real status tracking, not 'pending'.",
    "Respond to voicemails.",
    "Status tracking that works",
    "Post the expected review date as soon as an application is accepted.",
    "Automatic notifications when inspections are scheduled or results are posted.",
    "The silence. Weeks of silence after submitting.",
)

Q1_CLEAR_CHECKLISTS = (
    "Clear checklists.",
    "A simple list of what permits I need for my type of business.",
    "Tell people up front what documents they need so they don't get sent home.",
    "Publish fee estimates before you apply.",
    "One page checklist per business type: restaurant, salon, retail, home business.",
    "Plain language instructions. I have a college degree and couldn't figure out which forms to fill out.",
    "Clearer requirements",
    "Explain the steps and the timeline before we sign a lease.",
    "A fee calculator on the website so there are no surprises.",
    "Make it clear which permits are needed. I found out about the health permit after I'd already built out the kitchen.",
    "Simplify the process",
    "Clearer instructions on the website",
    "Give out the checklist from the Small Business Express program to everyone, not just the pilot.",
    "Have a pre-application meeting for everyone opening a business.",
    "A flowchart of the process. Step 1, step 2, step 3.",
    "Tell us the total cost up front, all departments together.",
    "Make it easier to know what you need before you start.",
    "Write the requirements in plain English, not code sections.",
    "Stop making people guess. List every document.",
    "make the process simpler and clearer",
    "Sample applications that show what a complete packet looks like.",
    "A guide for first-time business owners",
    "Know what's required before submitting so you don't waste weeks.",
    "Fewer forms, clearer forms.",
    "Publish a real timeline: how long each step typically takes.",
    "I had no idea I needed a zoning check before signing my lease. Put that on a checklist!",
    "Clarity.",
    "Explain what a 'tenant improvement' is and when you need one. Most of us don't know the lingo.",
    "Clear guidance for home-based businesses. Do I need a permit to bake cookies in my kitchen or not?",
    "An estimate of all the fees before you commit.",
    "Streamline it.",
    "Put all the requirements in one place instead of six different department pages.",
    "Be upfront about the whole process",
    "Better information on what is needed to open a business",
    "Easy to understand instructions and fees",
    "A short video explaining how the process works.",
    "A checklist of every permit from every department for my address. Zoning, building, fire, health, business license.",
    "Simpler application forms",
    "It should not take a consultant to figure out what documents you need.",
    "Make the requirements clear and stop adding new ones halfway through.",
    "clear steps",
    "Tell us what the fees will be. I got a surprise bill for $1,100 in impact fees.",
    "A real 'start here' page for new businesses.",
    "Clearer process for changing the use of a space, like retail to a cafe",
    "Make the requirements for a food truck permit understandable",
)

Q1_LANGUAGE_ACCESS = (
    "Translate the forms into Spanish and Vietnamese.",
    "More staff who speak Spanish.",
    "Interpreters at the permit counter.",
    "My parents run a nail salon and I have to translate everything for them. The city should provide that.",
    "Language access",
    "Have the portal in other languages.",
    "Vietnamese speaking staff at the Permit Center please",
    "Offer translation for inspections. The inspector talked to my father for 20 minutes and he understood maybe half.",
    "Spanish forms",
    "Provide materials in the languages people in Port Alder actually speak.",
    "Bilingual staff",
    "Many business owners in Eastside don't speak English well. Help them.",
    "My mom had to bring my little brother to translate at the counter. He's 14.",
    "Translate the checklists and the fee schedule.",
    "Not everyone speaks English. Have interpreters available, even by phone.",
    "A Khmer interpreter would help a lot of businesses in Southfield.",
    "Language help for immigrant business owners",
    "Spanish and Vietnamese versions of everything.",
    "More multilingual support",
    "The letters the city sends should be in the language we asked for.",
    "Have someone who speaks Spanish answer the phone line.",
    "Language barriers make the process twice as hard. Translate the key documents.",
    "translation services",
    "Outreach in Spanish through churches and community groups, not just the website.",
    "Offer workshops in Vietnamese about opening a business.",
    "My uncle gave up on opening his restaurant because he couldn't understand the requirements in English.",
    "The inspection reports should be explained in the owner's language.",
    "Make an interpreter available without having to ask three days ahead.",
    "Hire staff from the communities you serve.",
    "Language access for Spanish speakers",
    "Interpreters at inspections too, not just at the counter",
    "Translated guides for food trucks and taquerias",
    "Please make info available in Vietnamese. Many nail salon owners rely on their kids.",
    "Help people who don't speak English.",
    "Translate the portal. Google Translate on the page breaks everything.",
    "Bilingual navigators",
    "My English is ok but the technical words are very hard. Simple words please.",
    "Provide the plan review comments in Spanish when the owner requests it",
    "Stop relying on kids to translate for their parents.",
    "A language line at the front desk",
    "interpreters!",
    "Materials in Spanish, Vietnamese and Khmer",
)

Q1_CONSISTENCY = (
    "Consistent answers from staff.",
    "Get everyone on the same page.",
    "Every person I talked to told me something different.",
    "The inspector and the plan reviewer should agree on what the code requires.",
    "Consistency between inspectors",
    "Stop changing the requirements every time a new person looks at it.",
    "The counter said one thing, the plan reviewer said another, and the inspector said a third.",
    "Train staff so they give the same answers.",
    "One inspector passed it, the next one failed the same thing. Make up your minds.",
    "Put the answers in writing so they can't change later.",
    "consistency",
    "Different departments contradict each other. Fire says one thing, Building says another.",
    "Honor what was approved. Don't make us redo work an earlier inspector signed off on.",
    "Consistent interpretation of the code across staff",
    "Make sure the front desk knows the rules as well as the reviewers do.",
    "Stop moving the goalposts.",
    "Written guidance so it doesn't depend on who you get that day.",
    "Same rules for everyone, applied the same way every time.",
    "I was told by phone I didn't need a permit, then got a stop-work notice. Consistency please.",
    "Consistent inspections",
    "Inspectors who follow the approved plans, not their personal preferences.",
    "Get Planning and Building to talk to each other before they tell us different things.",
    "Consistency between what the website says and what staff say.",
    "Reliable, consistent information",
    "The answers depend on which clerk you get. That shouldn't be the case.",
    "Make inspectors use the same checklist.",
    "Don't add new corrections on the third review that weren't mentioned on the first.",
    "Stop contradicting yourselves",
    "Have one interpretation of the rules and publish it.",
    "Staff should all give the same information. I went three times and got three answers.",
    "Better coordination between departments",
    "Inspectors are inconsistent from one visit to the next.",
    "The Fire Prevention and Building inspectors need to coordinate their requirements.",
    "Same answer twice in a row would be nice",
    "Mixed messages from different staff",
    "Train the counter staff. They sent me to the wrong department twice.",
    "Consistent standards for inspections across wards.",
    "Get your story straight!",
    "Please make sure the rules don't change mid-project.",
    "If a reviewer approves something, the inspector shouldn't overrule it on site.",
    "Consistency. It's all I ask.",
    "Clearer, consistent direction from staff",
)

Q1_SINGLE_POINT_OF_CONTACT = (
    "One point of contact.",
    "Assign a case manager to each application.",
    "Give me one person I can call who knows my project.",
    "A navigator for small businesses",
    "One person from start to finish",
    "A single contact instead of bouncing between six departments.",
    "A small business liaison who can walk people through it.",
    "Let me talk to the same person every time instead of starting over.",
    "Someone whose job it is to help small businesses get open.",
    "Case managers!",
    "A dedicated contact for each project who can chase down the other departments.",
    "A business navigator like other cities have.",
    "Have someone help first-timers through every step.",
    "single point of contact",
    "One phone number, one person, one answer.",
    "A real human assigned to my permit.",
    "A concierge for small business owners. The big developers basically have one already.",
    "Help desk staff who follow the application through instead of just taking it in.",
    "Give each applicant a named contact with a direct email.",
    "Someone who can coordinate between Fire, Health and Building on my behalf.",
    "A go-to person",
    "An ombudsman for permits",
    "Small business navigator program",
    "Make one department responsible for the whole thing so there's someone accountable.",
    "Someone to guide you through the process",
    "I'd love one person who knows my file so I don't have to explain my whole project every call.",
    "A permit coach for new businesses.",
    "One-stop shop that is actually one stop.",
    "Assign a project coordinator for anything bigger than a simple permit.",
    "A person, not a portal.",
    "Case management for small businesses, especially restaurants with multiple departments involved.",
    "Having a point person would have saved me two months.",
    "Please give us a direct contact instead of the general line",
    "Make the Permit Center a real one-stop shop with one contact per case.",
    "A helper who talks to the other departments for you",
    "A point of contact who will call back.",
    "An advocate for small business inside City Hall.",
    "Navigator to help with the whole process start to end",
    "A single person responsible for moving my application forward.",
    "Someone who owns the application from intake to certificate of occupancy.",
    "one contact person please",
    "Dedicated staff for small business permits",
)

Q1_FEES_COST = (
    "Lower fees.",
    "Fees are too high for small businesses.",
    "Reduce permit costs",
    "$2,300 in fees for a 600 sq ft salon is too much.",
    "Fee waivers for new small businesses",
    "Stop charging for re-reviews when the city's own comments were unclear.",
    "Make fees proportional to the size of the business.",
    "The fees add up: building, fire, health, business license. It's a lot.",
    "cheaper permits",
    "Let us pay fees in installments.",
    "Lower the cost for home-based businesses. I sell candles from my garage.",
    "Cost",
    "Reduce fees for minority-owned and first-time businesses.",
    "Fees are outrageous",
    "Cap the total permit fees for small projects.",
    "Don't charge a re-inspection fee when the inspector didn't show up the first time.",
    "Too expensive. Period.",
    "Permit fees should not cost more than the work.",
    "The fee for a sidewalk sign permit is ridiculous.",
    "Get rid of the extra fees nobody can explain.",
    "A fee discount for businesses under 10 employees.",
    "Reduce the cost of a food truck permit. It's more than a month of profit.",
    "Make it cheaper to open a business in Port Alder. Other cities are cheaper.",
    "Refund fees when the city misses its own deadlines.",
    "The fees, especially the impact fees.",
    "Lower costs and fewer fees",
    "Cheaper.",
    "Drop the business license renewal fee for very small businesses.",
    "Don't make us pay the full fee again when we resubmit.",
    "Fees should be lower for people just starting out.",
    "Affordable permits",
    "I paid almost $4,000 in city fees before I could open my barbershop. That's a lot of haircuts.",
    "Less fees",
    "Stop nickel-and-diming small businesses.",
    "Waive fees for nonprofits and church kitchens.",
    "Fee relief while we wait — we're paying rent on a space we can't use.",
    "Make the fee structure simpler and cheaper.",
    "Reduce the cost for tenant improvements under 2,500 sq ft",
    "Price. It's too high for what we get.",
    "Grants to cover permit fees for new businesses",
    "Lower the fees or at least make the service worth it.",
    "Costs are way too high",
)

Q1_FAIRNESS_FAVOURITISM = (
    "Treat small businesses fairly.",
    "Stop favoring the big developers.",
    "It's all about who you know.",
    "Same treatment for everyone, not just people with connections.",
    "The people with expediters get through in weeks. The rest of us wait months. That's not fair.",
    "Treat Harmon Avenue businesses the same as the ones in Lakeview.",
    "Fairness",
    "Equal treatment.",
    "Quit giving preferential treatment to people who know someone at City Hall.",
    "The city acts like it doesn't want small businesses here.",
    "Treat us like customers, not suspects.",
    "Stop the favoritism.",
    "Respect small business owners. We're not the enemy.",
    "Our salon was inspected three times in a year. The boutique downtown, never. Explain that.",
    "The system is rigged for people who can afford consultants.",
    "Fair treatment for Black-owned businesses",
    "Don't make it harder for us just because we're in Northgate.",
    "Make it so you don't need to pay someone $3,000 to get your permit moving.",
    "Be fair.",
    "The rules seem to bend for some people and not for others.",
    "Quit treating small businesses like an afterthought.",
    "Level the playing field",
    "Everyone should wait in the same line.",
    "Stop the good old boy network in permitting.",
    "Listen to small business owners instead of just the big developers.",
    "Equity. The neighborhoods that need businesses the most get the worst service.",
    "Investigate why some applications get fast-tracked.",
    "Treat everyone with respect regardless of where they're from",
    "Make the process fair for people who don't have lawyers and architects on retainer.",
    "Less bias",
    "Support small local businesses instead of chains.",
    "The attitude at the counter. Some of us get treated like we're bothering them.",
    "Churches on Harmon shouldn't have to jump through more hoops for a kitchen than a hotel does.",
    "Fair and equal enforcement",
    "Stop letting the well-connected skip the line.",
    "Honestly? Stop treating our neighborhood like it doesn't matter.",
    "The city should want us to succeed. It doesn't feel that way.",
    "transparency about who gets expedited and why",
    "No special treatment for friends of council members.",
    "Being treated fairly",
    "A fair process for immigrant-owned businesses.",
    "Give the little guy a chance.",
)

Q1_OTHER = (
    "Fix the potholes on Harmon Avenue.",
    "Parking downtown is impossible.",
    "More parking near the Permit Center. I got a ticket while waiting at the counter.",
    "Not really about permits but the streetlights on my block have been out for months.",
    "Lower property taxes",
    "Nothing specific, it was fine.",
    "I don't have much experience with permits.",
    "Haven't dealt with it enough to say.",
    "Trash pickup in Westridge",
    "Open the Permit Center on Saturdays.",
    "Longer counter hours",
    "Do something about the encampment near my shop",
    "Better bus service to City Hall",
    "The city should focus on public safety first.",
    "Fix the sidewalks",
    "I just moved here.",
    "Everything. Start over.",
    "Not sure, I rent.",
    "More street sweeping",
    "Hire people who actually care",
    "Stop wasting money on consultants and surveys like this one",
    "Plant more trees on Harmon",
    "Fewer food trucks on my street",
    "The construction next door starts at 6am every day",
    "Get rid of the red light cameras",
    "Keep doing what you're doing",
    "Make the Permit Center building easier to find. The signs are confusing.",
    "Bring back the old counter hours from before the pandemic",
    "Lower water bills",
    "Why is this survey so long",
)

Q1_POOLS_EN = {
    "plan_review_speed": Q1_PLAN_REVIEW_SPEED,
    "inspection_scheduling": Q1_INSPECTION_SCHEDULING,
    "portal_problems": Q1_PORTAL_PROBLEMS,
    "status_tracking": Q1_STATUS_TRACKING,
    "clear_checklists": Q1_CLEAR_CHECKLISTS,
    "language_access": Q1_LANGUAGE_ACCESS,
    "consistency": Q1_CONSISTENCY,
    "single_point_of_contact": Q1_SINGLE_POINT_OF_CONTACT,
    "fees_cost": Q1_FEES_COST,
    "fairness_favouritism": Q1_FAIRNESS_FAVOURITISM,
    "other": Q1_OTHER,
}

# --------------------------------------------------------------------------
# Q1 - Spanish and Vietnamese pools
# --------------------------------------------------------------------------

Q1_POOLS_ES = {
    "plan_review_speed": (
        "Que revisen los planos más rápido.",
        "La revisión de planos tarda demasiado, casi dos meses para mi taquería.",
        "Contratar más personal para revisar los planos.",
        "Más rapidez en los permisos",
        "Esperamos seis semanas solo para que alguien mirara los planos.",
    ),
    "inspection_scheduling": (
        "Que sea más fácil programar las inspecciones.",
        "Horarios de inspección más cortos, no de 4 horas.",
        "Las inspecciones tardan mucho en llegar.",
        "Poder pedir la inspección por internet y no solo por teléfono.",
    ),
    "portal_problems": (
        "Arreglar la página de AlderPermits, se traba cuando subo documentos.",
        "El portal es muy complicado.",
        "La página web no funciona bien.",
        "Que el sistema en línea no se caiga.",
    ),
    "status_tracking": (
        "Que nos digan en qué va nuestra solicitud.",
        "Mejor comunicación, nadie contesta el teléfono.",
        "Mandar mensajes de texto con el estado del permiso.",
        "No sabíamos nada durante semanas.",
    ),
    "clear_checklists": (
        "Una lista clara de los documentos que se necesitan.",
        "Explicar los pasos de forma sencilla.",
        "Decirnos cuánto va a costar todo desde el principio.",
        "Información más clara para abrir un negocio.",
    ),
    "language_access": (
        "Que haya personal que hable español.",
        "Formularios en español, por favor.",
        "Mi hijo tiene que traducir todo por mí. La ciudad debería tener intérpretes.",
        "Más ayuda en español en el mostrador.",
        "Que el portal esté en español.",
        "Intérpretes para las inspecciones.",
        "No entiendo los documentos en inglés. Necesitamos traducción.",
        "Que alguien conteste en español en la línea de teléfono.",
        "Talleres en español para los dueños de negocios del Eastside.",
    ),
    "consistency": (
        "Que todos den la misma información.",
        "Cada empleado me dijo algo diferente.",
        "El inspector pidió cosas que el plan aprobado no decía.",
    ),
    "single_point_of_contact": (
        "Una sola persona que nos ayude con todo el proceso.",
        "Un asesor para negocios pequeños, que hable español.",
        "Tener un contacto directo para nuestro caso.",
    ),
    "fees_cost": (
        "Bajar las tarifas.",
        "Los permisos cuestan demasiado para un negocio pequeño.",
        "El permiso del food truck es muy caro.",
        "Menos cobros, más apoyo.",
    ),
    "fairness_favouritism": (
        "Que traten igual a todos los negocios.",
        "Tratar con respeto a los inmigrantes.",
        "Parece que solo ayudan a los que tienen conexiones.",
        "Que no discriminen a los negocios latinos.",
    ),
    "other": (
        "Arreglen los baches de la calle.",
        "Más estacionamiento.",
    ),
}

Q1_POOLS_VI = {
    "plan_review_speed": (
        "Duyệt bản vẽ quá lâu.",
        "Cần thêm nhân viên duyệt hồ sơ.",
    ),
    "inspection_scheduling": ("Hẹn kiểm tra quá khó, gọi điện không ai nghe máy.",),
    "portal_problems": ("Trang web AlderPermits khó dùng, tải hồ sơ lên bị lỗi hoài.",),
    "status_tracking": (
        "Không biết hồ sơ của tôi đang ở đâu.",
        "Nên nhắn tin báo tình trạng hồ sơ.",
    ),
    "clear_checklists": ("Cần danh sách giấy tờ rõ ràng trước khi nộp đơn.",),
    "language_access": (
        "Cần có người nói tiếng Việt ở quầy giấy phép.",
        "Giấy tờ nên có bản tiếng Việt.",
        "Tôi phải nhờ con gái dịch mọi thứ.",
        "Cần thông dịch viên tiếng Việt và tiếng Khmer.",
        "Xin có người thông dịch khi thanh tra đến tiệm.",
    ),
    "consistency": ("Mỗi nhân viên nói một kiểu khác nhau.",),
    "single_point_of_contact": ("Nên có một người phụ trách hồ sơ từ đầu đến cuối.",),
    "fees_cost": (
        "Phí quá cao cho tiệm nhỏ.",
        "Xin giảm phí cho tiệm nail mới mở.",
    ),
    "fairness_favouritism": ("Thành phố nên đối xử công bằng với tiệm nhỏ.",),
}

# --------------------------------------------------------------------------
# Q2 "Tell us about your most recent experience..." - English pools
# --------------------------------------------------------------------------

Q2_LONG_WAIT = (
    "It took forever.",
    "Submitted in January, got the permit in April. Three months for a small kitchen remodel.",
    "Waited 6 weeks for plan review to even start.",
    "Long. Very long.",
    "We signed a lease in February expecting to open in May. We opened in August. The permit was the reason.",
    "Slow. We paid rent for 10 weeks on an empty space while plan review sat on our drawings.",
    "Plan review took five weeks, then corrections, then another four weeks.",
    "It took 4 months to get a permit for a 1,200 sq ft retail build-out.",
    "Still waiting. Applied 7 weeks ago.",
    "The permit itself was fine, it was the waiting that hurt. Two months for a sign and some shelving.",
    "Way too long. Lost the summer season.",
    "Took about 8 weeks. Nobody could tell me why.",
    "It took 3 weeks just for someone to tell me my application was complete.",
    "Our restaurant opening was pushed back twice because the Fire Prevention sign-off sat for a month.",
    "Everything was slow but eventually got done.",
    "Slow process. We had to take out a second loan to cover rent during the delay.",
    "Waited and waited. Called every week. Finally approved after 9 weeks.",
    "Long wait for plan review, then the inspection was quick.",
    "It took longer to get the permit than to do the construction.",
    "We were told 3 weeks. It was 11.",
    "A simple fence permit took a month and a half.",
    "Health permit for my food truck took 6 weeks. I missed two festivals.",
    "Slow but the staff were nice about it.",
    "Months. I'm not exaggerating.",
    "Our contractor moved on to another job while we waited and we lost our spot on his schedule.",
    "Six weeks of waiting and then they approved it without a single comment. Why did it take six weeks?",
    "Very slow. The file went from Building to Fire to Health and sat in each place.",
    "I applied for a change of use and waited almost three months.",
    "Long wait, lots of rent paid for nothing.",
    "The wait between submitting and plan review was the worst part. Five weeks of nothing.",
    "It was slow. 7 weeks.",
    "Took way longer than they said it would",
    "We hired staff for an opening date that came and went. Had to pay them anyway.",
)

Q2_WENT_SMOOTHLY = (
    "It went fine.",
    "Smooth. The staff at the counter were very helpful.",
    "Honestly better than I expected. Got my business license in a week.",
    "The Small Business Express meeting helped a lot. We knew exactly what to submit and it was approved in about two weeks.",
    "Good experience. The permit tech walked me through everything.",
    "No problems.",
    "Easy. Applied online, paid, got it.",
    "The plan reviewer called me directly to explain a correction. Really appreciated that.",
    "Quick and painless for a water heater permit.",
    "Staff were friendly and patient with me.",
    "Positive! The inspector gave me useful advice.",
    "Fine, no complaints",
    "Went smoothly once I had all the documents. The checklist helped.",
    "The clerk at the counter on the 2nd floor stayed late to help me finish my application.",
    "It was easy for a simple permit",
    "Pretty good actually. About 3 weeks start to finish.",
    "Helpful staff, reasonable time.",
    "Everything was straightforward.",
    "The pre-application meeting made a huge difference. Would recommend.",
    "Good. The inspector was on time and professional.",
    "Surprisingly smooth.",
    "My home business license was simple, done in a few days.",
    "Very professional staff at the Permit Center",
    "The health inspector was kind and explained everything to my mother in simple words.",
    "Smooth process for a sign permit. About 10 days.",
    "Went well, no issues",
    "The staff at Public Health were great.",
    "It was fine. Not fast but fine.",
    "I was nervous but it went smoothly. The clerk checked everything before I submitted so nothing was missing.",
    "Positive experience overall",
    "Easy renewal online.",
    "The Fire Prevention inspector was great and helped us pass the first time.",
)

Q2_BOUNCED_BACK = (
    "They sent it back for missing documents. Twice.",
    "Got to the counter and was told my application was incomplete. Nobody had told me I needed a site plan.",
    "Bounced back three times for small things they could have told me the first time.",
    "Rejected as incomplete. Took me two weeks to get the document they wanted.",
    "I drove to the Permit Center, waited an hour, and was sent home because I was missing one form.",
    "They kept asking for more documents.",
    "Every time I resubmitted, there was a new thing missing.",
    "Incomplete application, came back, incomplete again. It felt like they were looking for reasons.",
    "The counter wouldn't accept my application without a stamped drawing, which nobody had mentioned.",
    "Had to resubmit plans 3 times for corrections.",
    "They said my floor plan wasn't detailed enough. Went back and forth for a month.",
    "Sent back because the fee worksheet was wrong, even though the clerk filled it out.",
    "Missing documents, again and again.",
    "Plan corrections, resubmit, more corrections. Round and round.",
    "I was told I needed a grease trap plan after I'd already submitted everything else.",
    "My application was returned because I used an old version of the form.",
    "They bounced it back because the signature page was scanned sideways. Seriously.",
    "The first review came back with 14 comments. The second review had 6 new ones.",
    "Had to come back three different days for missing paperwork.",
    "They wanted proof of ownership from my landlord, which took weeks to get.",
    "Application returned for incomplete info",
    "Resubmitted my drawings four times.",
    "Told my packet was incomplete, but nobody could tell me exactly what was missing.",
    "Sent back for a missing health department form I had never heard of.",
    "Kept getting rejected for small stuff",
    "They needed the architect to redo the drawings because of a code section that changed.",
    "Incomplete. Then incomplete. Then finally complete.",
    "Had everything except one letter from the property owner, so they refused to take any of it.",
    "Rejected at the counter for missing the business license number, which I was there to apply for too.",
    "Multiple resubmissions",
    "The reviewer asked for corrections on things the previous reviewer had already approved.",
)

Q2_INSPECTION_TROUBLE = (
    "The inspector never showed up.",
    "Waited all morning for an inspection that got cancelled at 11:45.",
    "Failed inspection for something that was on the approved plans.",
    "Couldn't get an inspection slot for over a week.",
    "The final inspection held up our opening by 10 days.",
    "Inspector came, found one small item, and we had to wait another week for a re-inspection.",
    "Two different inspectors, two different opinions about the same outlet placement.",
    "Calling the inspection line is a nightmare. On hold for 45 minutes.",
    "We passed building but then Fire wanted changes that Building had approved.",
    "Inspection scheduling was the hardest part.",
    "The inspector showed up outside the window and I had already left.",
    "Rough-in inspection took 8 days to get scheduled. My crew was idle.",
    "Failed the health inspection over a sink that the plan reviewer had approved.",
    "Inspectors were inconsistent and one was pretty rude.",
    "Had to close the shop for a whole morning for an inspection that lasted 5 minutes.",
    "Inspection no-show, then rescheduled for a week later.",
    "The inspector wanted things that weren't in the code, as far as I can tell.",
    "Took three inspections to pass a simple electrical job.",
    "Scheduling the inspection took longer than getting the permit.",
    "The re-inspection fee felt like a penalty for the city's scheduling.",
    "Inspector was late and in a hurry.",
    "Fire inspection and building inspection on different weeks, business closed both times.",
    "Inspection was rescheduled three times by the city.",
    "Couldn't reach anyone to schedule the final inspection.",
    "The inspector failed us for a handrail height the plan reviewer had signed off.",
    "Inspections. Ugh.",
    "Got a 4 hour window, inspector came at the very end of it.",
    "Final inspection delayed two weeks because they only had one inspector for our area.",
    "Inspector passed the work, then a supervisor came back and failed it.",
    "Hard to get the inspector out to Westridge.",
    "They failed us on a technicality and the re-inspection took 9 days.",
)

Q2_PORTAL_TROUBLE = (
    "The portal crashed while I was uploading my plans.",
    "Couldn't upload my drawings because the file was over 25 MB.",
    "AlderPermits timed out three times. I gave up and went to the counter.",
    "The website lost my application after I'd spent two hours on it.",
    "Portal kept giving me an error when I tried to pay.",
    "Had to split my plan set into 12 PDFs to get it under the upload limit.",
    "The online system wouldn't let me select my business type, so I had to call.",
    "Website was down the day I tried to apply.",
    "I couldn't figure out the portal and had to ask my nephew to do it.",
    "AlderPermits said my application was submitted, but the city had no record of it.",
    "Uploads failed over and over.",
    "The new portal is confusing. I clicked around for an hour before finding the right form.",
    "Portal problems. The old Tidemark system was ugly but at least it worked.",
    "My architect couldn't log in to upload the revised plans.",
    "Kept getting logged out in the middle of the application.",
    "Online payment failed twice and I was charged once. Took a month to sort out.",
    "The portal rejected my PDF with no explanation.",
    "Spent a whole afternoon fighting the website.",
    "The portal showed the wrong status for two weeks.",
    "Tried to apply online, it crashed. Tried again, it crashed.",
    "The online application wouldn't accept my address because the building is new.",
    "I had to print everything and bring it in because the upload wouldn't work.",
    "Portal timed out every time I tried to attach the floor plan.",
    "Website issues the whole way.",
    "The portal sent me an automated email saying my permit was expired when it wasn't.",
    "AlderPermits made me create three different accounts for the same business.",
    "The portal doesn't work on my phone and I don't have a computer at the shop.",
    "The file upload failed at 99% every time.",
    "Couldn't find my application in the portal after submitting it.",
    "Tech problems with the online system",
    "Portal error after error. Called the help line, they said it's a known issue.",
)

Q2_PAID_EXPEDITER = (
    "We hired an expediter. Cost $3,500 but we got it done in five weeks.",
    "Paid a permit consultant. Wouldn't have gotten through without them.",
    "Our architect handled everything, I barely had to do anything.",
    "I hired someone who knows people at the Permit Center. It went fast.",
    "Used a permit runner. Expensive, but worth it to open on time.",
    "Honestly the only reason it went well is that I paid a consultant $2,000 to deal with it.",
    "My contractor pulled the permit and dealt with the city.",
    "We paid an expediter after two months of getting nowhere on our own. Three weeks later we had the permit.",
    "Consultant did it all. Smooth.",
    "A friend recommended an expediter. $1,800 and a lot less stress.",
    "Hired a professional to handle permitting. I wouldn't try to do it myself.",
    "We used the same permit consultant we used for our other location. Easy.",
    "Paid someone $4,000 to get through the process. Small businesses without that money are stuck.",
    "The expediter knew exactly which reviewer to call. I never would have known.",
    "Our landlord's architect handled the permits.",
    "I paid for help. It worked but it shouldn't be necessary.",
    "Went smoothly because we had a design firm manage it.",
    "Hired a code consultant for the restaurant build-out. Money well spent.",
    "Had to pay a permit service because I couldn't take more days off to sit at the counter.",
    "The consultant fee was more than the permit fees, but we opened on schedule.",
    "Expediter. That's the secret nobody tells you.",
    "We used an expediter and it was fine.",
    "The general contractor had a guy who does permits. It took about a month.",
    "I paid a consultant $5,000 for a tenant improvement. Ridiculous but it got done.",
    "Our franchise company has a permit team that handled it.",
    "A consultant walked our plans through plan review in person. Two weeks.",
    "I didn't deal with it directly, my architect did.",
    "Paid someone. Done.",
    "Without our expediter we'd still be waiting.",
    "We paid a permit expediter after hearing horror stories. No regrets, but it's not fair to people who can't.",
)

Q2_GAVE_UP = (
    "I gave up.",
    "We withdrew the application and found a space in another city.",
    "Gave up on the patio permit. Not worth the hassle.",
    "After four months I withdrew. The lease fell through anyway.",
    "I stopped trying. Too complicated.",
    "We decided not to open the second location because of the permitting.",
    "I was going to add a kitchen to my bakery. After two rounds of corrections I gave up.",
    "Still don't have it. I've mostly given up.",
    "Abandoned the project.",
    "My sister wanted to open a small taqueria. She gave up after the third trip to the counter.",
    "We pulled the application and operate out of a commissary kitchen now.",
    "Gave up and did the work without a permit. I know, I know.",
    "We lost the space while waiting and gave up.",
    "I wanted to convert my garage into a studio. Dropped it after seeing the requirements.",
    "The process was so confusing we just stopped.",
    "I withdrew my application. I couldn't keep paying rent on a closed space.",
    "Gave up on the sign permit, we just use a sandwich board now.",
    "I never finished the application.",
    "Quit halfway. Couldn't get anyone on the phone.",
    "Tried for months. Gave up. Moved the business out to the county.",
    "My food truck permit never happened. I sold the truck.",
    "I gave up on expanding my salon. Too much money, too much time.",
    "Withdrew. The costs kept climbing.",
    "Didn't finish. Too many departments.",
    "I abandoned it after the portal lost my files for the second time.",
    "We gave up on the outdoor seating permit.",
    "Gave up trying to get the home occupation permit and just closed the business.",
    "I'm a church volunteer. We wanted to permit our kitchen for community meals. We gave up.",
    "Walked away from the deal because the permit timeline didn't work.",
    "Never got it. Stopped trying in March.",
)

Q2_PERMIT_CONFUSION = (
    "I didn't know which permit I needed.",
    "Confusing. Nobody could tell me if I needed a building permit or just a business license.",
    "I applied for the wrong permit and had to start over.",
    "Was told I needed a health permit, a fire permit, and a building permit. Nobody said that at the start.",
    "Couldn't figure out which permits applied to my home business.",
    "Confusing process. Lots of different forms for different departments.",
    "I wasn't sure if my small remodel needed a permit at all. Three people gave me three answers.",
    "Didn't realize I needed zoning approval first.",
    "The hardest part was figuring out what I actually needed.",
    "I thought I was applying for everything at once. Turns out the business license is separate.",
    "Very confusing for a first-time owner.",
    "Took me a week just to figure out which forms to fill out.",
    "Not clear which department handles what.",
    "I needed a change of use permit and had no idea what that was.",
    "Confused the whole time.",
    "The website lists about 40 permit types. I picked the wrong one.",
    "Nobody explained that a food truck needs a separate commissary agreement.",
    "I didn't know I needed a permit for my sign until I got a notice.",
    "Confusing. My daughter had to do a lot of research to find the right forms.",
    "Applied for a building permit when I needed a tenant improvement permit. Lost 3 weeks.",
    "Hard to know what was required",
    "Unclear requirements from the beginning.",
    "I still don't know if my nail salon needed a separate ventilation permit.",
    "Had to call four times to find out what permit I needed.",
    "The difference between a business license and a permit wasn't explained anywhere.",
    "I got a different list of requirements from the website and from the counter.",
    "Too many permits, no guide.",
    "I found out about the fire permit only after the building permit was issued.",
    "Confusing and stressful",
    "Didn't know where to start.",
    "Could not understand which permit covers a home bakery.",
)

Q2_NO_EXPERIENCE = (  # mostly from people who did not apply
    "Haven't applied for one.",
    "I haven't needed a permit recently.",
    "No recent experience.",
    "Not applicable, I haven't gotten a permit in years.",
    "I don't own a business, just a homeowner.",
    "Never applied.",
    "It's been more than 5 years, so I don't remember much.",
    "My landlord handles all of that.",
    "None in the last 2 years.",
    "Haven't had to yet, but I'm planning to open a shop next year.",
    "Does a dog license count? That was fine.",
    "I only know what my neighbors told me.",
    "Last one was under the old system, back in the Tidemark days.",
    "I'm just a resident.",
)

Q2_POOLS_EN = {
    "long_wait": Q2_LONG_WAIT,
    "went_smoothly": Q2_WENT_SMOOTHLY,
    "bounced_back": Q2_BOUNCED_BACK,
    "inspection_trouble": Q2_INSPECTION_TROUBLE,
    "portal_trouble": Q2_PORTAL_TROUBLE,
    "paid_expediter": Q2_PAID_EXPEDITER,
    "gave_up": Q2_GAVE_UP,
    "permit_confusion": Q2_PERMIT_CONFUSION,
    "no_experience": Q2_NO_EXPERIENCE,
}

# --------------------------------------------------------------------------
# Q2 - Spanish and Vietnamese pools
# --------------------------------------------------------------------------

Q2_POOLS_ES = {
    "long_wait": (
        "Tardó casi tres meses en salir el permiso.",
        "Esperamos mucho tiempo y pagamos renta sin poder abrir.",
        "Muy lento. Nadie sabía decirnos cuándo.",
        "Todavía estoy esperando.",
    ),
    "went_smoothly": (
        "Todo salió bien, la señora del mostrador me ayudó mucho.",
        "Fue fácil, me atendieron en español.",
        "Bien, sin problemas.",
    ),
    "bounced_back": (
        "Me regresaron la solicitud dos veces porque faltaban documentos.",
        "Fui tres veces a la oficina y siempre faltaba algo.",
        "Me dijeron que estaba incompleta pero no me explicaron qué faltaba.",
    ),
    "inspection_trouble": (
        "El inspector nunca llegó.",
        "Esperé toda la mañana al inspector y cerré mi negocio por nada.",
        "Reprobamos la inspección por algo que ya estaba aprobado.",
    ),
    "portal_trouble": (
        "La página se cayó cuando subía los planos.",
        "No pude usar el portal, tuve que ir en persona.",
        "El sistema en línea no aceptó mis archivos.",
    ),
    "paid_expediter": (
        "Pagamos a un gestor 2,500 dólares para que hiciera el trámite.",
        "Contratamos a alguien que sabe de permisos. Salió caro pero rápido.",
    ),
    "gave_up": (
        "Me di por vencido, es demasiado complicado.",
        "Mi esposo quería abrir una taquería pero lo dejamos.",
        "Retiramos la solicitud porque perdimos el local.",
    ),
    "permit_confusion": (
        "No sabía qué permiso necesitaba.",
        "Muy confuso, nadie me explicó qué tipo de permiso era.",
        "Pensé que la licencia de negocio era todo, pero faltaban más permisos.",
        "Mi hija buscó en internet qué formularios llenar porque nadie sabía.",
    ),
    "no_experience": ("No he solicitado ningún permiso.",),
}

Q2_POOLS_VI = {
    "long_wait": ("Tôi nộp đơn mở tiệm phở, chờ gần ba tháng.",),
    "went_smoothly": (
        "Mọi việc suôn sẻ, khoảng hai tuần là xong.",
        "Nhân viên ở quầy rất tử tế, giúp tôi điền đơn.",
    ),
    "bounced_back": ("Bị trả hồ sơ hai lần vì thiếu giấy tờ.",),
    "inspection_trouble": ("Thanh tra đến trễ, rồi bắt sửa lại những thứ lần trước đã chấp nhận.",),
    "portal_trouble": ("Trang web bị treo khi tôi tải bản vẽ lên.",),
    "paid_expediter": ("Phải thuê người làm dịch vụ giấy phép, tốn hơn 2.000 đô la.",),
    "gave_up": ("Tôi bỏ cuộc, không mở tiệm nữa.",),
    "permit_confusion": (
        "Không biết cần loại giấy phép nào cho tiệm nail.",
        "Nhiều giấy tờ quá, không hiểu phải làm gì.",
    ),
}

# --------------------------------------------------------------------------
# Non-answers, noise material, special answers
# --------------------------------------------------------------------------

NON_ANSWERS = {
    ENGLISH: (
        "n/a",
        "N/A",
        "none",
        "-",
        "no comment",
        "don't know",
        "nothing",
        "idk",
        ".",
        "NA",
        "None",
        "no",
        "not sure",
        "Nothing.",
        "na",
    ),
    SPANISH: ("nada", "no sé", "ninguno", "N/A"),
    VIETNAMESE: ("không có", "không biết", "n/a"),
}

Q1_LEAD_INS = (  # (text, lower-case the answer's first letter?)
    ("Honestly, ", True),
    ("I think ", True),
    ("Please ", True),
    ("Simple: ", True),
    ("Number one: ", True),
    ("My suggestion: ", True),
    ("IMO ", True),
    ("Easy. ", False),
    ("Just ", True),
    ("One thing? ", False),
    ("Same as everyone else probably. ", False),
    ("Where to start... ", False),
    ("Biggest thing: ", True),
    ("Only one?? ", False),
    ("#1 ", True),
    ("Hmm. ", False),
)
Q2_LEAD_INS = (
    ("Honestly, ", True),
    ("Well, ", True),
    ("Short version: ", True),
    ("To be honest, ", True),
    ("Ok so ", True),
    ("Where do I start. ", False),
    ("In short: ", True),
    ("Ugh. ", False),
    ("Long story short, ", True),
)
Q1_SIGN_OFFS = (
    " Thanks.",
    " Thank you!",
    " Please.",
    " That's it.",
    " Seriously.",
    " Thx",
    " Please fix this.",
    " Thanks for asking.",
    " It's not that hard.",
    " 🙏",
    " Good luck.",
    " Just my 2 cents.",
)
Q2_SIGN_OFFS = (
    " Thanks.",
    " That's my experience.",
    " Not great.",
    " Hope this helps.",
    " Do better.",
    " Thanks for asking.",
    " Anyway.",
    " 🙄",
    " Would not repeat.",
)
JOINERS = (", also ", ". Also ", " and also ", "; also ", ". And ", " + ", ". Plus ")
TRAILING_VARIANTS = ("", "", "", ".", ".", "!", "!", "!!", "...", " .")  # repeats = weights
NO_JOIN_THEMES = ("other", "no_experience", "went_smoothly")
KEEP_CAPS = {
    "I",
    "I'm",
    "I'd",
    "I've",
    "I'll",
    "AlderPermits",
    "Tidemark",
    "Building",
    "Fire",
    "Public",
    "Planning",
    "Permit",
    "Harmon",
    "Westridge",
    "Port",
    "City",
    "Spanish",
    "Vietnamese",
    "Khmer",
    "Eastside",
    "Northgate",
    "Lakeview",
    "Southfield",
    "Finance",
    "Health",
    "Small",
    "Google",
    "PDFs",
    "IT",
}

# Answers with fake contact details, for privacy-redaction tests: (question, theme, text).
PII_ANSWERS = (
    (
        "q1",
        "status_tracking",
        "Call people back. I left my number (555-0147) four times and never heard anything.",
    ),
    (
        "q1",
        "single_point_of_contact",
        "Give us one contact person. You can reach me at bakery.owner@example.org if you want details.",
    ),
    (
        "q2",
        "long_wait",
        "Waited 7 weeks for plan review on my salon remodel. Happy to talk more, my cell is 555-0183.",
    ),
    (
        "q2",
        "portal_trouble",
        "Portal rejected my drawings (too big). I emailed the help address twice, no reply. "
        "Contact me at eastside.tacos@example.org",
    ),
    (
        "q2",
        "inspection_trouble",
        "Inspector never showed on the 2nd. Call me at 555-0121 if someone actually wants to fix this.",
    ),
)

# Answers starting with = + - @, for formula-injection tests: (question, theme, text).
FORMULA_ANSWERS = (
    ("q1", "plan_review_speed", "-faster reviews"),
    ("q1", "status_tracking", "+1 to online status tracking"),
    (
        "q1",
        "portal_problems",
        "@City please fix the portal, it times out every time I upload plans",
    ),
    ("q1", "plan_review_speed", "= faster plan review, period."),
    (
        "q2",
        "long_wait",
        "-Applied in February, still waiting in April. -No callback from plan review.",
    ),
    (
        "q2",
        "paid_expediter",
        "+$3,000 to a permit consultant on top of the city fees, but it got done",
    ),
)

# --------------------------------------------------------------------------
# Theme prevalence and rating effects
# --------------------------------------------------------------------------

Q1_BASE_WEIGHTS = {
    "plan_review_speed": 1.3,
    "inspection_scheduling": 0.9,
    "portal_problems": 1.1,
    "status_tracking": 1.1,
    "clear_checklists": 1.0,
    "language_access": 0.3,
    "consistency": 0.8,
    "single_point_of_contact": 0.7,
    "fees_cost": 0.8,
    "fairness_favouritism": 0.45,
    "other": 0.35,
}
Q2_BASE_WEIGHTS = {
    "long_wait": 1.3,
    "went_smoothly": 0.9,
    "bounced_back": 1.0,
    "inspection_trouble": 0.8,
    "portal_trouble": 0.9,
    "paid_expediter": 0.45,
    "gave_up": 0.35,
    "permit_confusion": 0.8,
    "no_experience": 0.0,
}
Q1_TO_Q2_AFFINITY = {  # Q1 theme -> {Q2 theme: multiplier}
    "plan_review_speed": {"long_wait": 1.8},
    "inspection_scheduling": {"inspection_trouble": 2.0},
    "portal_problems": {"portal_trouble": 2.0},
    "clear_checklists": {"permit_confusion": 1.5, "bounced_back": 1.3},
    "status_tracking": {"long_wait": 1.3},
    "fairness_favouritism": {"paid_expediter": 1.3, "gave_up": 1.4},
    "language_access": {"permit_confusion": 1.5, "bounced_back": 1.3},
    "consistency": {"bounced_back": 1.3, "inspection_trouble": 1.3},
}

INTERCEPT = 0.0
WARD_SHIFT = {
    "Ward 1": 0.0,
    "Ward 2": -0.20,
    "Ward 3": -0.30,
    "Ward 4": 0.45,
    "Ward 5": -0.20,
    "Ward 6": 0.05,
}
WARD_ITEM_SHIFT = {  # only for finding out what's needed and knowing the status
    "Ward 2": {"easy": -0.25, "status": -0.25},
    "Ward 5": {"easy": -0.30, "status": -0.30},
    "Ward 4": {"easy": 0.25, "status": 0.25},
}
LANGUAGE_SHIFT = {ENGLISH: 0.0, SPANISH: -0.10, VIETNAMESE: -0.10}
LANGUAGE_ITEM_SHIFT = {
    SPANISH: {"easy": -0.40, "status": -0.40},
    VIETNAMESE: {"easy": -0.45, "status": -0.45},
}
AGE_SHIFT = {"18-24": -0.05, "65+": 0.10}
Q1_ITEM_SHIFT = {
    "status_tracking": {"status": -0.70},
    "clear_checklists": {"easy": -0.60},
    "consistency": {"consistent": -0.75},
    "plan_review_speed": {"time": -0.70},
    "inspection_scheduling": {"time": -0.45, "consistent": -0.15},
    "fairness_favouritism": {"easy": -0.35, "consistent": -0.35, "time": -0.35, "status": -0.35},
    "language_access": {"easy": -0.50, "status": -0.30},
    "portal_problems": {"status": -0.30, "easy": -0.20},
    "single_point_of_contact": {"consistent": -0.30, "status": -0.30},
    "other": {"easy": 0.20, "consistent": 0.20, "time": 0.20, "status": 0.20},
}
Q2_SHIFT = {
    "went_smoothly": 0.90,
    "paid_expediter": 0.45,
    "long_wait": -0.30,
    "bounced_back": -0.30,
    "inspection_trouble": -0.25,
    "portal_trouble": -0.20,
    "gave_up": -0.80,
    "permit_confusion": -0.30,
    "no_experience": 0.0,
}
Q2_ITEM_SHIFT = {
    "long_wait": {"time": -0.60},
    "paid_expediter": {"time": 0.30, "easy": 0.30},
    "bounced_back": {"easy": -0.40, "consistent": -0.30},
    "permit_confusion": {"easy": -0.70},
    "portal_trouble": {"status": -0.30},
    "inspection_trouble": {"consistent": -0.40, "time": -0.30},
}
LIKERT_CUTS = (-1.2, -0.35, 0.3, 1.1)
SATISFACTION_CUTS = (-1.1, -0.4, 0.35, 1.0)


# --------------------------------------------------------------------------
# Respondent record
# --------------------------------------------------------------------------


@dataclass
class Respondent:
    ward: str
    race: str
    age: str
    language: str
    business: str
    applied: bool
    q1_theme: str = ""
    q2_theme: str = ""
    ratings: dict[str, str] = field(default_factory=dict)
    satisfaction: str = ""
    q1_text: str = ""
    q2_text: str = ""
    q1_truth: str = ""
    q2_truth: str = ""
    start: datetime | None = None
    end: datetime | None = None
    respondent_id: str = ""


# --------------------------------------------------------------------------
# Small random helpers
# --------------------------------------------------------------------------


def weighted_choice(rng: np.random.Generator, labels: list[str], weights: list[float]) -> str:
    """Pick one label with probability proportional to its weight."""
    p = np.asarray(weights, dtype=float)
    return labels[int(rng.choice(len(labels), p=p / p.sum()))]


def pick(rng: np.random.Generator, pool: tuple[str, ...]) -> str:
    return pool[int(rng.integers(len(pool)))]


def to_level(value: float, cuts: tuple[float, ...], labels: list[str]) -> str:
    return labels[int(np.searchsorted(np.asarray(cuts), value))]


# --------------------------------------------------------------------------
# Demographics
# --------------------------------------------------------------------------


def draw_ward(rng: np.random.Generator) -> str:
    return weighted_choice(rng, WARDS, [SAMPLE_WARD_WEIGHTS[w] for w in WARDS])


def draw_race(rng: np.random.Generator, ward: str) -> str:
    return weighted_choice(rng, RACES, RACE_BY_WARD[ward])


def draw_language(rng: np.random.Generator, ward: str, race: str) -> str:
    p_es = p_vi = 0.0
    if race == HISPANIC:
        p_es = 0.66 if ward == "Ward 2" else 0.42
    elif race == ASIAN:
        p_vi = 0.62 if ward == "Ward 5" else 0.18
    elif race in (NO_RACE, OTHER_RACE):
        p_es = 0.12 if ward == "Ward 2" else 0.0
        p_vi = 0.15 if ward == "Ward 5" else 0.0
    u = rng.random()
    if u < p_es:
        return SPANISH
    if u < p_es + p_vi:
        return VIETNAMESE
    return ENGLISH


def draw_age(rng: np.random.Generator, ward: str, language: str) -> str:
    weights = list(AGE_BASE)
    for i, factor in enumerate(AGE_WARD_FACTORS.get(ward, [1.0] * len(AGES))):
        weights[i] *= factor
    if language != ENGLISH:
        weights[1] *= 1.2
        weights[2] *= 1.2
    age = weighted_choice(rng, AGES, weights)
    return "" if rng.random() < AGE_BLANK_RATE else age


def draw_business(rng: np.random.Generator, ward: str, race: str, age: str) -> str:
    weights = list(BUSINESS_BY_WARD[ward])
    for i, business in enumerate(BUSINESS_TYPES):
        weights[i] *= BUSINESS_RACE_FACTORS.get((race, business), 1.0)
    if age == "18-24":
        weights[BUSINESS_TYPES.index(NOT_OWNER)] *= 1.6
    return weighted_choice(rng, BUSINESS_TYPES, weights)


def draw_applied(rng: np.random.Generator, business: str) -> bool:
    p = P_APPLIED_RESIDENT if business == NOT_OWNER else P_APPLIED_OWNER
    return bool(rng.random() < p)


def draw_respondent(rng: np.random.Generator) -> Respondent:
    ward = draw_ward(rng)
    race = draw_race(rng, ward)
    language = draw_language(rng, ward, race)
    age = draw_age(rng, ward, language)
    business = draw_business(rng, ward, race, age)
    return Respondent(
        ward=ward,
        race=race,
        age=age,
        language=language,
        business=business,
        applied=draw_applied(rng, business),
    )


# --------------------------------------------------------------------------
# Themes
# --------------------------------------------------------------------------


def q1_theme_weights(r: Respondent) -> dict[str, float]:
    w = dict(Q1_BASE_WEIGHTS)
    if r.language in (SPANISH, VIETNAMESE):
        w["language_access"] *= 14.0
        w["portal_problems"] *= 0.7
    else:
        if r.ward in ("Ward 2", "Ward 5"):
            w["language_access"] *= 2.5
        if r.race in (HISPANIC, ASIAN):
            w["language_access"] *= 1.5
    if r.ward in ("Ward 2", "Ward 5"):
        w["clear_checklists"] *= 1.2
    if r.ward == "Ward 3":
        w["fairness_favouritism"] *= 3.0
        w["consistency"] *= 1.3
    if r.race == BLACK:
        w["fairness_favouritism"] *= 1.4
    if r.ward == "Ward 4":
        w["plan_review_speed"] *= 1.4
        w["fairness_favouritism"] *= 0.5
        w["fees_cost"] *= 0.7
    if r.ward == "Ward 6":
        w["inspection_scheduling"] *= 1.4
    business_factors = {
        CONTRACTOR: {
            "inspection_scheduling": 3.5,
            "plan_review_speed": 1.3,
            "portal_problems": 1.4,
        },
        RESTAURANT: {"inspection_scheduling": 1.5, "plan_review_speed": 1.3, "consistency": 1.3},
        PROFESSIONAL: {"plan_review_speed": 1.5, "portal_problems": 1.5},
        HOME: {"fees_cost": 1.6, "clear_checklists": 1.5},
        PERSONAL: {"fees_cost": 1.5, "clear_checklists": 1.3},
        NOT_OWNER: {"other": 4.0, "fees_cost": 1.2, "inspection_scheduling": 0.8},
    }
    for theme, factor in business_factors.get(r.business, {}).items():
        w[theme] *= factor
    if not r.applied:
        for theme, factor in (
            ("clear_checklists", 1.6),
            ("other", 1.8),
            ("status_tracking", 0.6),
            ("inspection_scheduling", 0.6),
        ):
            w[theme] *= factor
    return w


def q2_theme_weights(r: Respondent) -> dict[str, float]:
    w = dict(Q2_BASE_WEIGHTS)
    if r.ward == "Ward 4":
        for theme, factor in (("paid_expediter", 3.5), ("went_smoothly", 1.6), ("gave_up", 0.5)):
            w[theme] *= factor
    if r.ward in ("Ward 2", "Ward 5"):
        for theme, factor in (
            ("bounced_back", 1.5),
            ("gave_up", 1.8),
            ("permit_confusion", 1.4),
            ("paid_expediter", 0.6),
            ("went_smoothly", 0.7),
        ):
            w[theme] *= factor
    if r.ward == "Ward 3":
        for theme, factor in (("gave_up", 1.5), ("bounced_back", 1.3), ("went_smoothly", 0.8)):
            w[theme] *= factor
    if r.language in (SPANISH, VIETNAMESE):
        for theme, factor in (
            ("permit_confusion", 2.0),
            ("bounced_back", 1.5),
            ("went_smoothly", 0.8),
        ):
            w[theme] *= factor
    business_factors = {
        CONTRACTOR: {"inspection_trouble": 3.0, "portal_trouble": 1.3},
        RESTAURANT: {"inspection_trouble": 1.6, "long_wait": 1.4},
        PROFESSIONAL: {"paid_expediter": 1.8},
        HOME: {"permit_confusion": 1.6, "gave_up": 1.4},
    }
    for theme, factor in business_factors.get(r.business, {}).items():
        w[theme] *= factor
    for theme, factor in Q1_TO_Q2_AFFINITY.get(r.q1_theme, {}).items():
        w[theme] *= factor
    return w


def draw_themes(rng: np.random.Generator, r: Respondent) -> None:
    """Underlying themes (present even when the answer itself is left blank)."""
    w1 = q1_theme_weights(r)
    r.q1_theme = weighted_choice(rng, list(w1), list(w1.values()))
    w2 = q2_theme_weights(r)
    if not r.applied and rng.random() < 0.55:
        r.q2_theme = "no_experience"
    else:
        r.q2_theme = weighted_choice(rng, list(w2), list(w2.values()))


# --------------------------------------------------------------------------
# Ratings
# --------------------------------------------------------------------------


def item_shift(r: Respondent, item: str) -> float:
    shift = WARD_ITEM_SHIFT.get(r.ward, {}).get(item, 0.0)
    shift += LANGUAGE_ITEM_SHIFT.get(r.language, {}).get(item, 0.0)
    shift += Q1_ITEM_SHIFT.get(r.q1_theme, {}).get(item, 0.0)
    shift += Q2_ITEM_SHIFT.get(r.q2_theme, {}).get(item, 0.0)
    return shift


def person_shift(r: Respondent) -> float:
    return (
        INTERCEPT
        + WARD_SHIFT[r.ward]
        + LANGUAGE_SHIFT[r.language]
        + AGE_SHIFT.get(r.age, 0.0)
        + Q2_SHIFT[r.q2_theme]
    )


def draw_ratings(
    rng: np.random.Generator, r: Respondent, wave_shift: dict[str, float] | None = None
) -> None:
    wave_shift = wave_shift or {}
    person = rng.normal(0.0, 0.75) + person_shift(r)
    shrink = 1.0 if r.applied else 0.6  # non-applicants hold vaguer opinions
    skip_block = rng.random() < (0.40 if not r.applied else 0.02)
    item_blank = 0.10 if not r.applied else 0.03
    latents = []
    for item in LIKERT_ITEMS:
        # x + 0.0 is x exactly, so the 2026 wave (no shift) draws what it always drew.
        shift = item_shift(r, item) + wave_shift.get(item, 0.0)
        latent = shrink * (person + shift + rng.normal(0.0, 0.6))
        latents.append(latent)
        blank = skip_block or rng.random() < item_blank
        r.ratings[item] = "" if blank else to_level(latent, LIKERT_CUTS, LIKERT)
    overall = float(np.mean(latents)) + rng.normal(0.0, 0.45)
    r.satisfaction = (
        "" if rng.random() < 0.015 else to_level(overall, SATISFACTION_CUTS, SATISFACTION)
    )


# --------------------------------------------------------------------------
# Text noise
# --------------------------------------------------------------------------


def decapitalize(text: str) -> str:
    """Lower-case the first letter unless the first word looks like a name or acronym."""
    first = text.split(" ", 1)[0]
    core = first.rstrip(".,:;!?")
    if not core or not core[0].isalpha() or core in KEEP_CAPS or any(c.isupper() for c in core[1:]):
        return text
    return text[0].lower() + text[1:]


def strip_end_punct(text: str) -> str:
    return text.rstrip(" .!")


def add_typo(rng: np.random.Generator, text: str) -> str:
    """Swap, drop or double one letter inside a word."""
    positions = [i for i in range(1, len(text) - 1) if text[i].isalpha() and text[i - 1].isalpha()]
    if not positions:
        return text
    i = positions[int(rng.integers(len(positions)))]
    op = int(rng.integers(3))
    if op == 0 and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if op == 1:
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]


def vary_trailing(rng: np.random.Generator, text: str) -> str:
    return strip_end_punct(text) + pick(rng, TRAILING_VARIANTS)


def vary_case(rng: np.random.Generator, text: str) -> str:
    u = rng.random()
    if u < 0.045:
        return text.lower()
    if u < 0.06 and len(text) < 70:
        return text.upper()
    if u < 0.09:
        return text[0].lower() + text[1:]
    return text


def join_two(rng: np.random.Generator, first: str, second: str) -> str:
    return strip_end_punct(first) + pick(rng, JOINERS) + decapitalize(second)


def add_lead_in(rng: np.random.Generator, text: str, lead_ins: tuple) -> str:
    lead, lower = lead_ins[int(rng.integers(len(lead_ins)))]
    return lead + (decapitalize(text) if lower else text)


def add_sign_off(rng: np.random.Generator, text: str, sign_offs: tuple[str, ...]) -> str:
    base = text if text.endswith((".", "!", "?")) else text + "."
    return base + pick(rng, sign_offs)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    )


def roughen_english(
    rng: np.random.Generator,
    text: str,
    join_text: str | None,
    lead_ins: tuple,
    sign_offs: tuple[str, ...],
) -> str:
    """Apply the survey-typing noise to one English answer (empty lead_ins/sign_offs
    switch those decorations off)."""
    if join_text is not None:
        text = join_two(rng, text, join_text)
    if lead_ins and rng.random() < 0.13:
        text = add_lead_in(rng, text, lead_ins)
    if sign_offs and rng.random() < 0.08:
        text = add_sign_off(rng, text, sign_offs)
    if rng.random() < 0.30:
        text = vary_trailing(rng, text)
    text = vary_case(rng, text)
    if rng.random() < 0.03:
        text = add_typo(rng, text)
        if rng.random() < 0.3:
            text = add_typo(rng, text)
    if rng.random() < 0.01:
        text = text + " "
    return text


def roughen_spanish(rng: np.random.Generator, text: str) -> str:
    if rng.random() < 0.25:
        text = strip_accents(text)  # typed on a keyboard without accents
    if rng.random() < 0.25:
        text = vary_trailing(rng, text)
    if rng.random() < 0.06:
        text = text.lower()
    if rng.random() < 0.03:
        text = add_typo(rng, text)
    return text


# --------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    en: dict[str, tuple[str, ...]]
    es: dict[str, tuple[str, ...]]
    vi: dict[str, tuple[str, ...]]
    lead_ins: tuple
    sign_offs: tuple[str, ...]
    join_rate: float


Q1_SPEC = QuestionSpec("q1", Q1_POOLS_EN, Q1_POOLS_ES, Q1_POOLS_VI, Q1_LEAD_INS, Q1_SIGN_OFFS, 0.08)
Q2_SPEC = QuestionSpec("q2", Q2_POOLS_EN, Q2_POOLS_ES, Q2_POOLS_VI, Q2_LEAD_INS, Q2_SIGN_OFFS, 0.05)


def short_english(pool: tuple[str, ...]) -> tuple[str, ...]:
    """The terse answers of a pool (what a respondent with little English might write)."""
    return tuple(a for a in pool if len(a.split()) <= 5) or pool


def second_theme(
    rng: np.random.Generator, spec: QuestionSpec, weights: dict[str, float], first: str
) -> str:
    themes = [t for t in weights if t != first and t not in NO_JOIN_THEMES]
    return weighted_choice(rng, themes, [weights[t] for t in themes])


def english_answer(
    rng: np.random.Generator, spec: QuestionSpec, theme: str, weights: dict[str, float]
) -> str:
    text = pick(rng, spec.en[theme])
    if theme == "no_experience":  # plain "haven't applied" notes: no decorations
        return roughen_english(rng, text, None, (), ())
    join_text = None
    if theme not in NO_JOIN_THEMES and rng.random() < spec.join_rate:
        join_text = pick(rng, spec.en[second_theme(rng, spec, weights, theme)])
    return roughen_english(rng, text, join_text, spec.lead_ins, spec.sign_offs)


def answer_text(
    rng: np.random.Generator,
    spec: QuestionSpec,
    theme: str,
    language: str,
    weights: dict[str, float],
) -> str:
    if language == SPANISH and theme in spec.es and rng.random() < 0.70:
        return roughen_spanish(rng, pick(rng, spec.es[theme]))
    if language == VIETNAMESE:
        u = rng.random()
        if u < 0.45 and theme in spec.vi:
            return pick(rng, spec.vi[theme])
        if u < 0.75:
            return vary_trailing(rng, pick(rng, short_english(spec.en[theme])))
    return english_answer(rng, spec, theme, weights)


def non_answer(rng: np.random.Generator, language: str) -> str:
    if language != ENGLISH and rng.random() < 0.6:
        return pick(rng, NON_ANSWERS[language])
    return pick(rng, NON_ANSWERS[ENGLISH])


def draw_answer(
    rng: np.random.Generator,
    spec: QuestionSpec,
    r: Respondent,
    theme: str,
    weights: dict[str, float],
    p_blank: float,
    p_non_answer: float,
) -> tuple[str, str]:
    """Return (text, truth theme); blanks and non-answers carry no theme."""
    u = rng.random()
    if u < p_blank:
        return "", ""
    if u < p_blank + p_non_answer:
        return non_answer(rng, r.language), ""
    return answer_text(rng, spec, theme, r.language, weights), theme


def draw_answers(rng: np.random.Generator, r: Respondent) -> None:
    q1_blank = 0.08 if r.applied else 0.12
    r.q1_text, r.q1_truth = draw_answer(
        rng, Q1_SPEC, r, r.q1_theme, q1_theme_weights(r), q1_blank, 0.04
    )
    if r.applied:
        q2_blank, q2_non = 0.09, 0.04
    else:
        q2_blank, q2_non = (0.35, 0.08) if r.q2_theme == "no_experience" else (0.30, 0.10)
    r.q2_text, r.q2_truth = draw_answer(
        rng, Q2_SPEC, r, r.q2_theme, q2_theme_weights(r), q2_blank, q2_non
    )


def inject_special_answers(rng: np.random.Generator, respondents: list[Respondent]) -> None:
    """Put each PII / formula-injection answer on a distinct English respondent
    whose underlying theme already matches, so ratings stay coherent."""
    used: set[int] = set()
    for question, theme, text in PII_ANSWERS + FORMULA_ANSWERS:
        candidates = [
            i
            for i, r in enumerate(respondents)
            if i not in used and r.language == ENGLISH and getattr(r, f"{question}_truth") == theme
        ]
        i = candidates[int(rng.integers(len(candidates)))]
        used.add(i)
        setattr(respondents[i], f"{question}_text", text)


# --------------------------------------------------------------------------
# Timestamps and ids
# --------------------------------------------------------------------------


def day_weights(field_start: datetime = FIELD_START) -> list[float]:
    """Launch bump, reminder e-mails on day 14 and 28, quieter weekends."""
    weights = []
    for d in range(FIELD_DAYS):
        w = 1.0 + 3.0 * np.exp(-d / 3.0)
        if d >= 14:
            w += 2.0 * np.exp(-(d - 14) / 2.0)
        if d >= 28:
            w += 1.5 * np.exp(-(d - 28) / 2.0)
        if (field_start + timedelta(days=d)).weekday() >= 5:
            w *= 0.7
        weights.append(float(w))
    return weights


HOUR_WEIGHTS = {
    6: 0.3,
    7: 0.8,
    8: 1.2,
    9: 1.3,
    10: 1.2,
    11: 1.2,
    12: 1.6,
    13: 1.3,
    14: 1.0,
    15: 1.0,
    16: 1.0,
    17: 1.2,
    18: 1.6,
    19: 1.9,
    20: 2.0,
    21: 1.7,
    22: 1.0,
    23: 0.4,
}


def draw_times(
    rng: np.random.Generator, r: Respondent, days: list[float], field_start: datetime = FIELD_START
) -> None:
    day = int(rng.choice(FIELD_DAYS, p=np.asarray(days) / sum(days)))
    hours = list(HOUR_WEIGHTS)
    if day == FIELD_DAYS - 1:
        hours = [h for h in hours if h <= 22]  # survey closes at midnight on the last day
    hour = int(weighted_choice(rng, [str(h) for h in hours], [HOUR_WEIGHTS[h] for h in hours]))
    start = field_start + timedelta(
        days=day, hours=hour, minutes=int(rng.integers(60)), seconds=int(rng.integers(60))
    )
    median = 540.0 if r.language == ENGLISH else 660.0
    seconds = int(np.clip(rng.lognormal(np.log(median), 0.55), 120, 2400))
    r.start, r.end = start, start + timedelta(seconds=seconds)


ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def draw_ids(rng: np.random.Generator, n: int) -> list[str]:
    ids: list[str] = []
    seen: set[str] = set()  # membership only, never iterated
    while len(ids) < n:
        rid = "R_" + "".join(ID_ALPHABET[int(k)] for k in rng.integers(len(ID_ALPHABET), size=15))
        if rid not in seen:
            seen.add(rid)
            ids.append(rid)
    return ids


# --------------------------------------------------------------------------
# Build and write
# --------------------------------------------------------------------------


def build_respondents(rng: np.random.Generator, wave: Wave | None = None) -> list[Respondent]:
    wave = wave or WAVE_2026
    respondents = [draw_respondent(rng) for _ in range(wave.respondents)]
    for r in respondents:
        draw_themes(rng, r)
        draw_ratings(rng, r, wave.item_shift)
        draw_answers(rng, r)
    if wave.special_answers:
        inject_special_answers(rng, respondents)
    days = day_weights(wave.field_start)
    for r in respondents:
        draw_times(rng, r, days, wave.field_start)
    order = sorted(range(len(respondents)), key=lambda i: (respondents[i].start, i))
    respondents = [respondents[i] for i in order]
    for r, rid in zip(respondents, draw_ids(rng, len(respondents)), strict=True):
        r.respondent_id = rid
    return respondents


def fmt_time(t: datetime | None) -> str:
    assert t is not None
    return t.strftime("%Y-%m-%d %H:%M:%S")


def survey_row(r: Respondent) -> list[str]:
    return [
        r.respondent_id,
        fmt_time(r.start),
        fmt_time(r.end),
        r.language,
        r.ward,
        r.age,
        r.race,
        r.business,
        "Yes" if r.applied else "No",
        *(r.ratings[item] for item in LIKERT_ITEMS),
        r.satisfaction,
        r.q1_text,
        r.q2_text,
    ]


def write_survey(respondents: list[Respondent], wave: Wave | None = None) -> None:
    wave = wave or WAVE_2026
    wave.path.parent.mkdir(parents=True, exist_ok=True)
    with wave.path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(wave.header)
        writer.writerows(survey_row(r) for r in respondents)


def write_margins() -> None:
    MARGINS_PATH.parent.mkdir(parents=True, exist_ok=True)
    with MARGINS_PATH.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["variable", "category", "population"])
        for variable, categories in POPULATION_MARGINS.items():
            for category, population in categories.items():
                writer.writerow([variable, category, population])


def write_truth(respondents: list[Respondent]) -> None:
    TRUTH_PATH.parent.mkdir(parents=True, exist_ok=True)
    with TRUTH_PATH.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["respondent_id", "q1_theme", "q2_theme"])
        for r in respondents:
            writer.writerow([r.respondent_id, r.q1_truth, r.q2_truth])


# --------------------------------------------------------------------------
# Self-checks and summary
# --------------------------------------------------------------------------


def check_pools() -> None:
    """Guard the hand-written pools: sizes, no duplicates, no accidental specials."""
    for pools, minimum in ((Q1_POOLS_EN, 40), (Q2_POOLS_EN, 30)):
        for theme, pool in pools.items():
            if theme not in ("other", "no_experience"):
                assert len(pool) >= minimum, (theme, len(pool))
            assert len(set(pool)) == len(pool), f"duplicate answer in {theme}"
    n_es = sum(len(p) for pools in (Q1_POOLS_ES, Q2_POOLS_ES) for p in pools.values())
    n_vi = sum(len(p) for pools in (Q1_POOLS_VI, Q2_POOLS_VI) for p in pools.values())
    assert n_es >= 60 and n_vi >= 20, (n_es, n_vi)
    every = [
        a
        for pools in (Q1_POOLS_EN, Q2_POOLS_EN, Q1_POOLS_ES, Q2_POOLS_ES, Q1_POOLS_VI, Q2_POOLS_VI)
        for pool in pools.values()
        for a in pool
    ]
    for answer in every:
        assert answer[0] not in "=+-@", answer
        assert "@" not in answer and "555" not in answer, answer
    for variable, categories in POPULATION_MARGINS.items():
        assert sum(categories.values()) == POPULATION_TOTAL, variable


def print_summary(respondents: list[Respondent]) -> None:
    n = len(respondents)
    print(f"respondents: {n}")
    for label, attr in (("language", "language"), ("ward", "ward")):
        counts: dict[str, int] = {}
        for r in respondents:
            counts[getattr(r, attr)] = counts.get(getattr(r, attr), 0) + 1
        print(f"{label}: " + ", ".join(f"{k} {v / n:.1%}" for k, v in sorted(counts.items())))
    for question, pools in (("q1", Q1_POOLS_EN), ("q2", Q2_POOLS_EN)):
        texts = [getattr(r, f"{question}_text") for r in respondents]
        truths = [getattr(r, f"{question}_truth") for r in respondents]
        distinct = len({t for t, th in zip(texts, truths, strict=True) if th})
        blank = sum(1 for t in texts if not t)
        print(
            f"{question}: blank {blank}, answered with a theme {sum(1 for t in truths if t)}, "
            f"distinct themed answers {distinct}"
        )
        for theme in pools:
            print(f"  {theme:<24} {truths.count(theme)}")


def main() -> None:
    check_pools()
    rng = np.random.default_rng(SEED)
    respondents = build_respondents(rng)
    write_survey(respondents)
    write_margins()
    write_truth(respondents)
    print_summary(respondents)
    # The first wave comes after the second, from its own seed: the 2026 files stay as they were.
    earlier = build_respondents(np.random.default_rng(WAVE_2025.seed), WAVE_2025)
    write_survey(earlier, WAVE_2025)
    print_summary(earlier)
    for path in (SURVEY_PATH, MARGINS_PATH, TRUTH_PATH, WAVE_2025.path):
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
