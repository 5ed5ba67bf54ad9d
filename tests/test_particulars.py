"""Reading a memo's particulars off its text: every printed form, whole memos, OCR noise and hostile input."""

import time
from datetime import date

import pytest

from services.particulars import SUBJECT_LINES, Suggestion, suggest

# The founding memo's text layer, as pypdf gives it (no blank lines, en dashes, a cited O.M. date in the body).
DOPT_OM = """No. T-28/27/2025-iGOT Part(1)
Government of India
Ministry of Personnel, Public Grievances & Pensions
Department of Personnel and Training
(Training Division)
***
Block-IV, Old JNU Campus,
New Delhi – 110067
Dated: 03.03.2026
OFFICE MEMORANDUM
Subject: Instructions regarding Updation of Email ID on SPARROW and iGOT
Karmayogi Portal – reg.
The  undersigned  is  directed  to  refer  to  this  Department's  O.M.  dated
04.07.2025,  wherein  it  was  made  mandatory  for  all  Central  Government
employees to complete prescribed courses on the iGOT Karmayogi Portal.
2. To update course consumption status on employees' APAR, an API based linkage has been created.
This issues with the approval of competent authority.
(Shailesh Kumar Soni)
Under Secretary to the Government of India
To:
Secretaries to all the Ministries/Departments of the Government of India
"""

BILINGUAL_OM = """फा. सं. / F.No. 21011/02/2026-Estt.A-II
भारत सरकार
Government of India
कार्मिक, लोक शिकायत एवं पेंशन मंत्रालय
Ministry of Personnel, Public Grievances & Pensions
कार्मिक एवं प्रशिक्षण विभाग / Department of Personnel & Training
नॉर्थ ब्लॉक, नई दिल्ली / North Block, New Delhi
दिनांक / Dated: 12.01.2026
कार्यालय ज्ञापन / OFFICE MEMORANDUM
विषय / Subject: Revision of the rates of Dearness Allowance to Central Government employees –
effective from 01.07.2025 – reg.
The undersigned is directed to say that the President is pleased to decide that the DA shall be enhanced.
2. This issues with the concurrence of the Department of Expenditure vide their I.D. No. 1/2/2025-E.II(B).
"""

DO_LETTER = """Rajesh Kumar, IAS
Joint Secretary
Tel: 011-23092345
D.O. No. T-16017/4/2026-Trg
Dated the 14th January, 2026
भारत सरकार
Government of India
Ministry of Personnel, Public Grievances & Pensions
Department of Personnel & Training
North Block, New Delhi-110001
Mission Karmayogi – iGOT onboarding
Dear Shri Sharma,
I am writing to request your personal intervention in onboarding all officers of the State on iGOT.
2. As you are aware, vide this Department's O.M. No. 11013/2/2019-Estt.A dated 10.06.2019, the courses were
made part of the APAR.
With regards,
Yours sincerely,
(Rajesh Kumar)
Shri A. K. Sharma, IAS
Chief Secretary, Government of Haryana, Chandigarh
"""

HARYANA_LETTER = """Government of Haryana
Health Department
From
The Additional Chief Secretary to Government Haryana,
Health Department.
To
1. All the Deputy Commissioners in Haryana.
2. All Heads of Departments in Haryana.
Memo No. HFW-HLHS012A/1/2024-5H5/1/778862/2024
Dated Chandigarh, the 2nd April, 2026
Sub.:- Submission of Annual Performance Appraisal Reports of Medical Officers for the year 2025-26
on SPARROW.
Sir/Madam,
I am directed to refer to this Department's Memo No. 12/5/2019-5H5 dated 22.05.2019 on the subject
noted above and to say that the APARs are to be submitted by 31.05.2026.
"""

CITING_OM = """No.22/5/2020-CS.I (APAR)
Government of India
Ministry of Personnel, Public Grievances & Pensions
Department of Personnel & Training
(CS Division)
2nd Floor, Lok Nayak Bhawan, Khan Market, New Delhi
Dated: 7 July 2025
OFFICE MEMORANDUM
Subject: Timelines for completion of APARs of CSS officers for the year 2024-25.
In continuation of OM of even number dated 4th July, 2025 on the subject cited above, the undersigned is
directed to say that, as provided vide this Department's O.M. No. 11013/2/2019-Estt.A dated 10.06.2019 and
O.M. No. 21011/1/2005-Estt.(A) (Pt.II) dated 23rd July, 2009, the timelines shall be followed.
2. Ministries are requested to ensure compliance.
No. 22/5/2020-CS.I (APAR) dated 07.07.2025
Copy to: NIC for uploading on the website.
"""

CABINET_OM = """No.F.1/2/2026-Trg.
Government of India
Cabinet Secretariat
(Training Division)
Sardar Patel Bhawan, New Delhi
Date: 18/06/2026
OFFICE MEMORANDUM
SUBJECT : Nomination of officers for the Advanced Management Programme, Sept. 2026
The undersigned is directed to invite nominations.
"""

MINISTRY_ONLY = """File No. 25-4/2013-SPG (Vol II-Pt.)
GOVERNMENT OF INDIA
MINISTRY OF HOME AFFAIRS
North Block, New Delhi
Dt. 02-09-2024
Sub: Security review of the SPG establishment
Sir,
I am directed to say that the review shall be completed.
"""

TWO_COLUMN_OM = """O.M. No. 13016/1/2022-AIS-I\t\tNew Delhi, dated 5th May, 2026
Government of India
Ministry of Personnel, Public Grievances & Pensions
Department of Personnel & Training
Subject: Annual Property Returns of
All India Services officers for the year
2025 - "Immovable Property Returns" - reg.
The undersigned is directed to refer to the subject cited above.
"""

OLD_OM = """O.M. No. 21011/02/2020-Estt.A-II
Government of India
Ministry of Personnel, Public Grievances & Pensions
Department of Personnel & Training
North Block, New Delhi
22th December, 2020
OFFICE MEMORANDUM
Subject:- Performance appraisal of officers on deputation
The undersigned is directed to say as follows.
"""

OFFICE_OF = """No. A-11019/3/2026-Ad.I
Office of the Registrar General, India
Ministry of Home Affairs
2-A, Man Singh Road, New Delhi
Dated:- 18/06/2026
To
The Chief Secretaries of all States,
Subject: Census 2027 – House Listing Operations.
Madam/Sir,
I am directed to forward herewith the schedule.
"""

# OCR of a photocopy: stray specks, O for 0, a dropped dot, "Subiect", blank lines, a garbled page 2.
OCR_PAGE_1 = """' N0 , 25-4/2013-SPG (Vol II—Pt.)

Governrnent of India
Ministry of Home Affairs
Departrnent of Official Language

Dated:- O5.O5.2O26

Subiect: Use of Hindi in official correspondence during
the year 2026-27 - reg.

The undersigned is directed to say that vide O.M. No. 1/14011/2/2020-OL dated 12.O3.2O20 the targets were set.
"""
OCR_PAGE_2 = """ll1 |_ ~~ ,,. Subject: gar6led 5ig‾nature l1l1 No. 9/9/9999-XX
Dated: 01.01.2001 Department of Nothing Here
"""


def _values(found: dict[str, Suggestion]) -> dict[str, object]:
    """The values alone, for comparing with what the memo says."""
    return {name: s.value for name, s in found.items()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            DOPT_OM,
            {
                "reference_no": "T-28/27/2025-iGOT Part(1)",
                "dated": date(2026, 3, 3),
                "issued_by": "Department of Personnel and Training",
                "subject": "Instructions regarding Updation of Email ID on SPARROW and iGOT Karmayogi Portal – reg.",
            },
        ),
        (
            BILINGUAL_OM,
            {
                "reference_no": "21011/02/2026-Estt.A-II",
                "dated": date(2026, 1, 12),
                "issued_by": "Department of Personnel & Training",
                "subject": "Revision of the rates of Dearness Allowance to Central Government employees – "
                "effective from 01.07.2025 – reg.",
            },
        ),
        (
            DO_LETTER,
            {
                "reference_no": "T-16017/4/2026-Trg",
                "dated": date(2026, 1, 14),
                "issued_by": "Department of Personnel & Training",
                "subject": "Mission Karmayogi – iGOT onboarding",
            },
        ),
        (
            HARYANA_LETTER,
            {
                "reference_no": "HFW-HLHS012A/1/2024-5H5/1/778862/2024",
                "dated": date(2026, 4, 2),
                "issued_by": "Health Department",
                "subject": "Submission of Annual Performance Appraisal Reports of Medical Officers for the year "
                "2025-26 on SPARROW.",
            },
        ),
        (
            CITING_OM,
            {
                "reference_no": "22/5/2020-CS.I (APAR)",
                "dated": date(2025, 7, 7),
                "issued_by": "Department of Personnel & Training",
                "subject": "Timelines for completion of APARs of CSS officers for the year 2024-25.",
            },
        ),
        (
            CABINET_OM,
            {
                "reference_no": "F.1/2/2026-Trg.",
                "dated": date(2026, 6, 18),
                "issued_by": "Cabinet Secretariat",
                "subject": "Nomination of officers for the Advanced Management Programme, Sept. 2026",
            },
        ),
        (
            MINISTRY_ONLY,
            {
                "reference_no": "25-4/2013-SPG (Vol II-Pt.)",
                "dated": date(2024, 9, 2),
                "issued_by": "MINISTRY OF HOME AFFAIRS",
                "subject": "Security review of the SPG establishment",
            },
        ),
        (
            TWO_COLUMN_OM,
            {
                "reference_no": "13016/1/2022-AIS-I",
                "dated": date(2026, 5, 5),
                "issued_by": "Department of Personnel & Training",
                "subject": 'Annual Property Returns of All India Services officers for the year 2025 - "Immovable '
                'Property Returns" - reg.',
            },
        ),
        (
            OLD_OM,
            {
                "reference_no": "21011/02/2020-Estt.A-II",
                "dated": date(2020, 12, 22),
                "issued_by": "Department of Personnel & Training",
                "subject": "Performance appraisal of officers on deputation",
            },
        ),
        (
            OFFICE_OF,
            {
                "reference_no": "A-11019/3/2026-Ad.I",
                "dated": date(2026, 6, 18),
                "issued_by": "Office of the Registrar General, India",
                "subject": "Census 2027 – House Listing Operations.",
            },
        ),
    ],
)
def test_whole_memos_are_read_exactly_and_surely(text, expected):
    found = suggest([text])
    assert _values(found) == expected
    # The D.O. letter's title and OLD_OM's unlabelled date are guesses from their place; the rest is labelled.
    floor = {DO_LETTER: {"subject": 0.5}, OLD_OM: {"dated": 0.8}}.get(text, {})
    assert all(s.confidence >= floor.get(name, 0.9) for name, s in found.items())


def test_a_state_letter_with_only_its_government_and_department():
    text = "Government of Haryana\nGeneral Administration Department\nNo. 62/4/2019-5GSI\nDated: 03.01.2026\nSub: X"
    assert suggest([text])["issued_by"].value == "General Administration Department"


@pytest.mark.parametrize(
    ("heading", "office"),
    [
        ("Government of India\nMinistry of Finance\nNo. 1/2/2026-E.II", "Ministry of Finance"),
        ("Government of India\nTraining Division\nNo. 1/2/2026-Trg", "Training Division"),
        ("Government of Punjab\nNo. 1/2/2026-1PP", "Government of Punjab"),
        ("गृह मंत्रालय Ministry of Home Affairs\nNo. 1/2/2026-Pers", "Ministry of Home Affairs"),
        (
            "Ministry of Home Affairs\n(Department of Official Language)\nNo. 1/2/2026-OL",
            "Department of Official Language",
        ),
        ("Department of Expenditure,\nNo. 1/2/2026-E.II", "Department of Expenditure"),
    ],
)
def test_the_most_specific_office_is_taken(heading, office):
    assert suggest([heading + "\nSubject: Something"])["issued_by"].value == office


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("No. T-28/27/2025-iGOT Part(1)", "T-28/27/2025-iGOT Part(1)"),
        ("F.No. 21011/02/2026-Estt.A-II", "21011/02/2026-Estt.A-II"),
        ("No.22/5/2020-CS.I (APAR)", "22/5/2020-CS.I (APAR)"),
        ("O.M. No. 11013/2/2019-Estt.A", "11013/2/2019-Estt.A"),
        ("OM No.11013/2/2019-Estt.A,", "11013/2/2019-Estt.A"),
        ("D.O. No. 12/3/2026-Trg", "12/3/2026-Trg"),
        ("D.O.No.12/3/2026-Trg.", "12/3/2026-Trg."),
        ("F. No. 25-4/2013-SPG (Vol II-Pt.)", "25-4/2013-SPG (Vol II-Pt.)"),
        ("No. HFW-HLHS012A/1/2024-5H5/1/778862/2024", "HFW-HLHS012A/1/2024-5H5/1/778862/2024"),
        ("File No. A-12034/7/2025-Vig.", "A-12034/7/2025-Vig."),
        ("No.F.1/2/2026-Trg.", "F.1/2/2026-Trg."),
        ("Memo No. 62/4/2019-5GSI.", "62/4/2019-5GSI"),
        ("No. 1/3/2020-E.II(B) Vol. II", "1/3/2020-E.II(B) Vol. II"),
        ("N0. 1/3/2020-E.II", "1/3/2020-E.II"),
        ("No , 1/3/2020-E.II", "1/3/2020-E.II"),
        ("No.: 1/3 / 2020-E.II", "1/3/2020-E.II"),
        ("No. 1/3/2020—E.II", "1/3/2020-E.II"),
        ("सं./No. 21011/02/2026-Estt.A-II", "21011/02/2026-Estt.A-II"),
        ("फा.सं. 21011/02/2026-Estt.A-II", "21011/02/2026-Estt.A-II"),
        ("No. 21011/02/2026-Estt.A-II dated 12.01.2026", "21011/02/2026-Estt.A-II"),
        ("No. 21011/02/2026-Estt.A-II\tदिनांक/Dated: 12.01.2026", "21011/02/2026-Estt.A-II"),
        ("HFW-HLHS012A/1/2024-5H5/1/778862/2024", "HFW-HLHS012A/1/2024-5H5/1/778862/2024"),
    ],
)
def test_reference_numbers_are_read_without_their_label(line, number):
    assert suggest([f"{line}\nGovernment of India\nSubject: Something"])["reference_no"].value == number


@pytest.mark.parametrize(
    "line",
    ["Tel. No. 011-23092345", "Room No. 112-B", "Ref: O.M. No. 1/2/2020-Estt dated 01.01.2020", "No. of posts: 12"],
)
def test_things_that_are_not_the_memos_number(line):
    assert "reference_no" not in suggest([f"Government of India\n{line}\nSubject: Something"])


@pytest.mark.parametrize(
    ("line", "day"),
    [
        ("Dated: 03.03.2026", date(2026, 3, 3)),
        ("Dated the 14th January, 2026", date(2026, 1, 14)),
        ("New Delhi, dated 5th May, 2026", date(2026, 5, 5)),
        ("Dated Chandigarh, the 2nd April, 2026", date(2026, 4, 2)),
        ("Date: 18/06/2026", date(2026, 6, 18)),
        ("Dated 02-09-2024", date(2024, 9, 2)),
        ("22th December, 2020", date(2020, 12, 22)),
        ("दिनांक / Dated: 12.01.2026", date(2026, 1, 12)),
        ("दिनांक: १२.०१.२०२६", date(2026, 1, 12)),
        ("दिनांक 12 जनवरी, 2026", date(2026, 1, 12)),
        ("Dated: 7 July 2025", date(2025, 7, 7)),
        ("Dated: 7th Jan. 2026", date(2026, 1, 7)),
        ("Dated: 30th Sept, 2025", date(2025, 9, 30)),
        ("dt. 01.10.2025", date(2025, 10, 1)),
        ("Dt.01.10.2025", date(2025, 10, 1)),
        ("Dated:-01.10.2025", date(2025, 10, 1)),
        ("Dated the 1st day of October, 2025", date(2025, 10, 1)),
        ("Dated: 01.10.25", date(2025, 10, 1)),
        ("No.22/5/2020-CS.I dated 12.01.2026", date(2026, 1, 12)),
        ("Dated:\n12.01.2026", date(2026, 1, 12)),
        ("New Delhi, dated 25th January,’ 2020", date(2020, 1, 25)),  # a speck after the comma
        ("Panchkula, dated 5th’ August, 2022", date(2022, 8, 5)),
        ("Dated New Delhi, the 20th April,-2021", date(2021, 4, 20)),
    ],
)
def test_dates_are_read_day_first(line, day):
    assert suggest([f"Government of India\n{line}\nSubject: Something"])["dated"].value == day


@pytest.mark.parametrize(
    "line",
    ["No.22/5/2020-CS.I", "No. 1/2/2019-Estt", "F.No. 25-4/2013-SPG", "Dated: 31.02.2026", "Tel: 011-23092345"],
)
def test_a_number_is_never_read_as_a_date(line):
    assert "dated" not in suggest([f"Government of India\n{line}\nSubject: Something\nThe undersigned is directed."])


def test_cited_numbers_and_dates_in_the_body_are_not_the_memos():
    found = suggest([CITING_OM])
    assert found["reference_no"].value == "22/5/2020-CS.I (APAR)"
    assert found["dated"].value == date(2025, 7, 7)
    assert "11013" not in found["subject"].value


def test_cited_numbers_in_the_heading_are_passed_over():
    text = "Government of India\nRef: this Department's O.M. No. 1/2/2020-Estt dated 01.01.2020\nNo. 5/6/2026-Estt\n"
    text += "In continuation of OM of even number dated 4th July, 2025\nDated: 09.02.2026\nSubject: X"
    found = suggest([text])
    assert found["reference_no"].value == "5/6/2026-Estt" and found["dated"].value == date(2026, 2, 9)


def test_without_a_heading_date_a_dated_line_below_is_a_poor_guess():
    text = "No. 5/6/2026-Estt\nSubject: X\nThe undersigned is directed to refer to O.M. dated\n04.07.2025.\n"
    found = suggest([text + "Dated: 09.02.2026\n"])
    assert found["dated"] == Suggestion(date(2026, 2, 9), 0.6)
    assert "dated" not in suggest([text])


@pytest.mark.parametrize(
    ("label", "subject"),
    [
        ("Subject:", "Grant of leave – reg."),
        ("Sub:", "Grant of leave – reg."),
        ("Sub.:-", "Grant of leave – reg."),
        ("SUBJECT :", "Grant of leave – reg."),
        ("Subject -", "Grant of leave – reg."),
        ("विषय:", "Grant of leave – reg."),
        ("विषय / Subject:", "Grant of leave – reg."),
        ("Subiect:", "Grant of leave – reg."),
        ("Subject", "Grant of leave – reg."),
        ("Subject:", "'Grant of leave' under Rule 3 of the CCS (Leave) Rules, 1972 - regarding."),
    ],
)
def test_subject_labels(label, subject):
    assert suggest([f"No. 1/2/2026-Estt\n{label} {subject}\nSir,\nI am directed."])["subject"].value == subject


@pytest.mark.parametrize(
    ("after", "subject"),
    [
        ("of officers\nThe undersigned is directed to say", "Training of officers"),
        ("of officers\n\nIt is stated that", "Training of officers"),
        ("of officers\nMadam,", "Training of officers"),
        ("of officers\nDear Colleague,", "Training of officers"),
        ("of officers\n2. It is stated", "Training of officers"),
        ("of officers – reg.\nIt is stated that", "Training of officers – reg."),
        ("of officers.\nThe Ministry has decided", "Training of officers."),
        (
            "of\nThe Indian Administrative Service officers\nI am directed",
            "Training of The Indian Administrative Service officers",
        ),
        ("of officers for 2024-\n25\nSir,", "Training of officers for 2024-25"),
        ("of officers\nReference: O.M. No. 1/2/2020 dated 1.1.2020", "Training of officers"),
        ("of officers\nसरकारी अधिकारियों का प्रशिक्षण\nSir,", "Training of officers"),
    ],
)
def test_a_subject_ends_where_the_body_begins(after, subject):
    assert suggest([f"No. 1/2/2026-Estt\nSubject: Training {after}\nmore text"])["subject"].value == subject


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("Subject: Training of officers\nNo. 1/2/2026-Trg\nDated: 01.02.2026\nSir,", "Training of officers"),
        (
            "Subject: Amendment to this Department's O.M.\nNo. 1/2/2020-Estt dated 01.01.2020 – reg.\nSir,",
            "Amendment to this Department's O.M. No. 1/2/2020-Estt dated 01.01.2020 – reg.",
        ),
        ("Subject: Whether\nNo Objection Certificate is needed\nSir,", "Whether No Objection Certificate is needed"),
    ],
)
def test_a_subject_above_the_number_ends_there_but_a_cited_number_wraps_on(text, subject):
    assert suggest([f"Government of India\n{text}"])["subject"].value == subject


def test_a_subject_on_the_line_below_its_label():
    assert suggest(["No. 1/2/2026-Estt\nSubject:\nGrant of leave\nSir,"])["subject"].value == "Grant of leave"


def test_a_bilingual_memo_gives_the_english_subject():
    text = "No. 1/2/2026-Estt\nविषय: अवकाश की मंजूरी\nSubject: Grant of leave\nमहोदय,\nSir,"
    found = suggest([text])
    assert found["subject"] == Suggestion("Grant of leave", 0.95)
    assert suggest(["No. 1/2/2026-Estt\nविषय: अवकाश की मंजूरी\n\nमहोदय,"])["subject"].confidence <= 0.6


@pytest.mark.parametrize("body", ["Sub-rule (2) of rule 5 shall apply.", "subject to the approval of the competent"])
def test_body_words_are_not_a_subject_label(body):
    assert "subject" not in suggest([f"No. 1/2/2026-Estt\nGovernment of India\n{body}"])


def test_a_run_on_subject_is_cut_and_trusted_less():
    text = "No. 1/2/2026-Estt\nSubject: " + "\n".join(f"line {n} of a long subject" for n in range(8))
    found = suggest([text])["subject"]
    assert found.value.count("line") == SUBJECT_LINES and found.confidence < 0.8


def test_a_garbled_subject_is_trusted_less():
    found = suggest(["No. 1/2/2026-Estt\nSubject: Tra|ning ~of_ officers\nSir,"])["subject"]
    assert found.value == "Tra|ning ~of_ officers" and found.confidence < 0.8


def test_a_do_letter_title_is_trusted_less_than_a_subject_line():
    found = suggest([DO_LETTER])
    assert found["subject"].confidence < 0.8 and found["reference_no"].confidence >= 0.9


def test_an_ocr_page_is_read_through_its_noise_and_trusted_less():
    found = suggest([OCR_PAGE_1, OCR_PAGE_2], ocr_pages=[0, 1])
    assert _values(found) == {
        "reference_no": "25-4/2013-SPG (Vol II-Pt.)",
        "dated": date(2026, 5, 5),
        "issued_by": "Department of Official Language",
        "subject": "Use of Hindi in official correspondence during the year 2026-27 – reg.",
    }
    assert all(s.confidence < 0.9 for s in found.values())


def test_ocr_lowers_confidence_of_the_same_reading():
    as_text, as_scan = suggest([DOPT_OM]), suggest([DOPT_OM], ocr_pages=[0])
    assert _values(as_text) == _values(as_scan)
    for name in as_text:
        assert as_scan[name].confidence == pytest.approx(as_text[name].confidence * 0.85, abs=0.01)


def test_page_one_is_never_overruled_by_a_later_page():
    found = suggest([DOPT_OM, OCR_PAGE_2, CITING_OM])
    assert _values(found) == _values(suggest([DOPT_OM]))


def test_a_later_page_fills_only_what_page_one_lacks_and_is_trusted_less():
    page_1 = "No. T-28/27/2025-iGOT Part(1)\nGovernment of India\nDepartment of Personnel and Training"
    found = suggest([page_1, "Dated: 03.03.2026\nSubject: Email IDs – reg.\nSir,"])
    assert found["reference_no"].confidence == 0.95
    assert found["dated"] == Suggestion(date(2026, 3, 3), 0.66)
    assert found["subject"] == Suggestion("Email IDs – reg.", 0.66)


@pytest.mark.parametrize("pages", [[], [""], ["\n\n\n"], ["Annexure\nList of officers"]])
def test_nothing_plausible_gives_nothing(pages):
    assert suggest(pages) == {}


def test_odd_looking_numbers_are_trusted_less():
    found = suggest(["No. 1/2/2026-Estt(A\nSubject: X"])
    assert found["reference_no"].confidence < 0.8


@pytest.mark.parametrize(
    "text",
    [
        "No. 1/1/" * 25_000,
        "(" * 100_000 + ")" * 100_000,
        "No. " + "(" * 100_000 + "1/2" + ")" * 100_000,
        "Subject: " + "a " * 100_000,
        "Dated " + "1." * 100_000,
        "Department of " * 20_000,
        "Ministry of Personnel A B C D E F G H " * 10_000,
        "\n" * 200_000,
        "Sub:\n" * 50_000,
        "Dear Sir\n" * 50_000,
        "14th January 2026 " * 20_000,
        "1/1/1/1/1/1/1/1/1/1/1/1/1/1/1/" * 10_000,
        "A" + " A" * 100_000 + " Department",
        "Subject: for the\n\n" * 50_000,
        "Department of and\n" * 50_000,
        "a _ " * 100_000 + "Department of X",
        "No. 1/2/2020-" + "A-1" * 50_000,
        "Sub: " + "of. - .. ‘" * 50_000,
    ],
)
def test_hostile_input_is_read_in_linear_time(text):
    started = time.perf_counter()
    suggest([text] * 3, ocr_pages=[1])
    assert time.perf_counter() - started < 1.0


# Rules learnt from the generated corpus (bench/corpus.py): text layers, D.O. letters and photocopied scans.


def test_a_garbled_hindi_label_before_subject_is_not_part_of_the_subject():
    found = suggest(["No. 1/2/2026-Trg.\nवषय / Subject: Completion of courses – reg.\nSir,"])
    assert found["subject"].value == "Completion of courses – reg."


def test_a_hindi_label_read_as_latin_letters_before_subject_is_not_part_of_the_subject():
    found = suggest(["No. 1/2/2026-Trg.\nfasa / Subject: Completion of courses – reg.\nSir,"], ocr_pages=[0])
    assert found["subject"].value == "Completion of courses – reg."


def test_a_hindi_word_with_a_slash_alone_is_not_a_subject_label():
    found = suggest(["No. 1/2/2026-Acad.\nपरपत्र / CIRCULAR\nSubject: Mid-Career Training\nSir,"])
    assert found["subject"].value == "Mid-Career Training"


def test_stacked_labels_beside_one_subject_give_the_whole_subject():
    page = "No. 57/51/2019-P&PW(B)\nविषय / Submission of Digital Life Certificates by Central\n"
    page += "Subject: Government pensioners – Nationwide Campaign 4.0\nRef: this Ministry's letter"
    found = suggest([page])
    assert found["subject"].value == (
        "Submission of Digital Life Certificates by Central Government pensioners – Nationwide Campaign 4.0"
    )


def test_a_do_letters_title_may_name_your_ministry():
    page = (
        "D.O. No.59/3/2024-Trg.\nDated the 17th February, 2024\nभारत सरकार / Government of India\n"
        "Department of Personnel & Training\nBlock IV, Old JNU Campus, New Delhi – 110067\n"
        "Annual Capacity Building Plan of your Ministry for the year 2026-27\nDear Smt. Chauhan,\nAttention is invited"
    )
    found = suggest([page])
    assert found["subject"].value == "Annual Capacity Building Plan of your Ministry for the year 2026-27"


def test_an_academy_is_an_issuing_office():
    page = "लाल बहादुर शास्त्री राष्ट्रीय प्रशासन अकादमी\nLal Bahadur Shastri National Academy of Administration\n"
    found = suggest([page + "Mussoorie – 248179\nF. No. 48-9/2021-Acad.\nSubject: Foundation Course"])
    assert found["issued_by"].value == "Lal Bahadur Shastri National Academy of Administration"


@pytest.mark.parametrize(
    ("letterhead", "office"),
    [
        ("Department of Personnel and\nTraining\nNorth Block", "Department of Personnel and Training"),
        (
            "विभाग / Department of Administrative\nReforms and Public Grievances\n5th Floor, Sardar Patel Bhavan",
            "Department of Administrative Reforms and Public Grievances",
        ),
        (
            "Department of\nAdministrative Reforms and\nPublic Grievances\nNo. 1/2/2022-PG",
            "Department of Administrative Reforms and Public Grievances",
        ),
        ("Ministry of Home Affairs\nNorth Block\nNew Delhi", "Ministry of Home Affairs"),
        ("Department of Expenditure\nGovernment of India", "Department of Expenditure"),
        # A text layer runs a column's wrapped words together.
        ("संघ लोक सेवा आयोग Union Public ServiceCommission", "Union Public Service Commission"),
        (
            "Government of Haryana\nGeneral Administration\nDepartment\n(Services-I Branch)",
            "General Administration Department",
        ),
        (
            "Lal Bahadur Shastri\nNational Academy of\nAdministration\nF. No. 1/2/2024-Acad.",
            "Lal Bahadur Shastri National Academy of Administration",
        ),
        (
            "अकादमी / Lal Bahadur Shastri National Academy\nof Administration\nMussoorie – 248179",
            "Lal Bahadur Shastri National Academy of Administration",
        ),
        (
            "विभाग / Department of Pension & Pensioners'\nWelfare\n3rd Floor, Lok Nayak Bhawan",
            "Department of Pension & Pensioners' Welfare",
        ),
        (
            "Ministry of Personnel, Public\nGrievances and Pensions\nDepartment of Personnel & Training",
            "Department of Personnel & Training",
        ),
        ("Government of India\nCabinet Secretariat\nRashtrapati Bhawan", "Cabinet Secretariat"),
        (
            "Department of Administrative Reforms\nand Public Grievances\nSardar Patel Bhavan",
            "Department of Administrative Reforms and Public Grievances",
        ),
        # A scan sets the Hindi column's words and blank lines between the English column's.
        ("घ लोक सेवा आयोग Union Public Service\nसंघ लोक सेवा आयोग 5\n\nCommission", "Union Public Service Commission"),
    ],
)
def test_an_office_wrapped_in_the_letterhead_is_joined_whole(letterhead, office):
    found = suggest([f"Government of India\n{letterhead}\nSubject: X"])
    assert found["issued_by"].value == office


@pytest.mark.parametrize(
    ("line", "office"),
    [
        ("मंत्रिमंडल सचिवालय ः Cabinet. Secretariat", "Cabinet Secretariat"),
        ("संघ लोक सेवा आयोग... 2 ‘Union Public Service Commission —", "Union Public Service Commission"),
        ("प्रशासनिक विभाग. बल्ब a _ Department of Expenditure", "Department of Expenditure"),
        ("व्यय विभाग ESE Department of Expenditure", "Department of Expenditure"),
        ("EE Department of Administrative Reforms", "Department of Administrative Reforms"),
        ("General Administration Department", "General Administration Department"),
    ],
)
def test_ocr_specks_around_an_office_are_left_out(line, office):
    found = suggest([f"{line}\nNo. 1/2/2023-Cab.\nSubject: X"], ocr_pages=[0])
    assert found["issued_by"].value == office


def test_a_subject_may_end_in_a_cited_date():
    page = "No. 1/2/2024-P&PW(B)\nDated: 02.01.2024\nSubject: Pre-payment of NPS contributions – withdrawal of O.M.\n"
    found = suggest([page + "dated 12.08.2019\nThe undersigned is directed"])
    assert found["subject"].value == "Pre-payment of NPS contributions – withdrawal of O.M. dated 12.08.2019"


@pytest.mark.parametrize("diary", ["Diary No. 826/10", "piary No. 826/10"])
def test_a_receipt_stamps_diary_number_is_not_the_memos(diary):
    page = f"RECEIPT\n{diary}\nDate 09/08\nF, No.28/17/2018-P&PW(B)\nGovernment of India\nSubject: X"
    assert suggest([page], ocr_pages=[0])["reference_no"].value == "28/17/2018-P&PW(B)"


@pytest.mark.parametrize(
    ("read", "number"),
    [
        ("No.21/7/2024-E.1(B)", "21/7/2024-E.I(B)"),
        ("O.M. No. 11013/3/2022-Estt.A-IIi", "11013/3/2022-Estt.A-III"),
        ("No. 7(1)/E.Coord-1/2023", "7(1)/E.Coord-I/2023"),
        ("No. T-1/2/2015-iGOT Part(5)", "T-1/2/2015-iGOT Part(5)"),
        ("No. HFW-HLHS223A/2/2024-5H5/1/490859/2025", "HFW-HLHS223A/2/2024-5H5/1/490859/2025"),
        ("O.M. No. 14017/13/2023-Estt.A-H", "14017/13/2023-Estt.A-II"),
        ("O.M. No. 11013/5/2025-Estt.A-II] दिनांक / Dated: 29.08.2025", "11013/5/2025-Estt.A-III"),
        ("F. No. 54-7/2025-Acad:", "54-7/2025-Acad."),
        ("No. 1-13018/12/2021-PM-IL", "I-13018/12/2021-PM-II"),
        ("F.No.:21011/1 1/2020-Estt.A-II", "21011/11/2020-Estt.A-II"),
        ("No. 2201 1/3/2016-Cab.(Vig:) Dated the 16th April, 2021", "22011/3/2016-Cab.(Vig.)"),
        ("No. 22011/3/2016-Cab.(Vig:) oh es Dated the 16th April, 2021", "22011/3/2016-Cab.(Vig.)"),
        ("No. 1-35034/48/2021-PM-II", "I-35034/48/2021-PM-II"),
        ("No. 1-3/48/2021-PM-II", "1-3/48/2021-PM-II"),
        ("No.K-2101 1/7/2021-PG (CPGRAMS) दिनांक / Dated: 11.10.2021", "K-21011/7/2021-PG (CPGRAMS)"),
        ("F.No.37/3/2024-IS. II है दिनांक / Dated: 27.12.2024", "37/3/2024-IS.II"),
        ("HFW-HLHS940A/5/201 6-5H5/1/173596/2021 Dated the 25th August, 2021", "HFW-HLHS940A/5/2016-5H5/1/173596/2021"),
        ("F. No. 54-7/2025-Acad, dated 6th April, 2025", "54-7/2025-Acad."),
    ],
)
def test_ocrs_digits_for_roman_numerals_after_the_year_are_mended(read, number):
    assert suggest([f"{read}\nSubject: X"], ocr_pages=[0])["reference_no"].value == number


def test_a_typed_number_keeps_its_digits():
    assert suggest(["No. 7(1)/E.Coord-1/2023\nSubject: X"])["reference_no"].value == "7(1)/E.Coord-1/2023"
    assert suggest(["No. 1-35034/48/2021-PM-II\nSubject: X"])["reference_no"].value == "1-35034/48/2021-PM-II"


@pytest.mark.parametrize(
    ("read", "number"),
    [("0. 22/3/2025-CS.1 (APAR)", "22/3/2025-CS.I (APAR)"), ("- 8/24/2023-AR", "8/24/2023-AR")],
)
def test_a_scanned_number_whose_label_was_lost_is_found_but_trusted_less(read, number):
    found = suggest([f"Government of India\n{read}\nDate: 15/05/2026\nSubject: X"], ocr_pages=[0])
    assert found["reference_no"].value == number and found["reference_no"].confidence < 0.6
    assert found["dated"].value == date(2026, 5, 15)


@pytest.mark.parametrize("line", ["15/05/2026", "Room 8/24/2023-AR", "Tel. 011-23092/2023-4"])
def test_a_date_or_a_number_inside_a_line_is_no_unlabelled_reference(line):
    assert "reference_no" not in suggest([f"Government of India\n{line}\nSubject: X"], ocr_pages=[0])
    assert "reference_no" not in suggest(["Government of India\n- 8/24/2023-AR\nSubject: X"])  # typed: a label


def test_a_bare_e_office_number_beside_a_speck_is_found():
    page = "HFW-HLHS223A/2/2024-5H5/1/490859/2025 |\nGovernment of Haryana\nSubject: X"
    assert suggest([page], ocr_pages=[0])["reference_no"].value == "HFW-HLHS223A/2/2024-5H5/1/490859/2025"


def test_a_bare_e_office_number_with_a_speck_on_its_hyphen_is_found():
    page = "HFW:HLHS835A/1/2019-5H5/1/854336/2021\nGovernment of Haryana\nSubject: X"
    assert suggest([page], ocr_pages=[0])["reference_no"].value == "HFW-HLHS835A/1/2019-5H5/1/854336/2021"


def test_a_typed_number_followed_by_a_number_keeps_its_space():
    found = suggest(["No. 1/2/2020-Estt.A-II 3/4 copies\nSubject: X"])
    assert found["reference_no"].value == "1/2/2020-Estt.A-II"


@pytest.mark.parametrize("read", ["Dated: 02:06.2020", "Dated: 02.06:2020"])
def test_a_speck_on_either_separator_of_a_scanned_date_is_read_past(read):
    assert suggest([f"No. 1/2/2025-H\n{read}\nSubject: X"], ocr_pages=[0])["dated"].value == date(2020, 6, 2)


def test_a_speck_after_a_months_comma_is_read_past():
    found = suggest(["No. 1/2/2025-H\nDated Panchkula, the 19th April,.2021\nSubject: X"], ocr_pages=[0])
    assert found["dated"].value == date(2021, 4, 19)


@pytest.mark.parametrize(
    ("read", "day"), [("Ith May, 2021", date(2021, 5, 1)), ("ith February, 2026", date(2026, 2, 1))]
)
def test_a_scanned_days_one_read_as_a_letter_is_mended(read, day):
    assert suggest([f"No. 1/2/2025-H\n{read}\nSubject: X"], ocr_pages=[0])["dated"].value == day


def test_an_accented_month_is_read():
    found = suggest(["No. 1/2/2025-H\nDated Panchkula, the 4th Décember, 2025\nSubject: X"], ocr_pages=[0])
    assert found["dated"].value == date(2025, 12, 4)


@pytest.mark.parametrize(
    ("lines", "subject"),
    [
        (
            "_ Subject: Regulation of Aadhaar_ Enabled Attendance (AEBAS) - reg",
            "Regulation of Aadhaar Enabled Attendance (AEBAS) – reg.",
        ),
        (
            "Subject :- Use of work - Annual Programme for the\n‘ year 2026-27 ~",
            "Use of work – Annual Programme for the year 2026-27",
        ),
        (
            "Sub: Pre-payment of. National . Pension System - .. withdrawal",
            "Pre-payment of National Pension System – withdrawal",
        ),
        ("Sub: Holidays to be-.observed in the ५ offices", "Holidays to be observed in the offices"),
        ("Sub: Grant of Allowance ‘to employees - reg..", "Grant of Allowance to employees – reg."),
        (
            "Sub: Services and\n- Central Civil Services (100th Course) .",
            "Services and Central Civil Services (100th Course)",
        ),
        ("Sub: Implementation in Departments . reg.", "Implementation in Departments – reg."),
        ("_ Sub. Filling up of the post on deputation\n_ basis - : :", "Filling up of the post on deputation basis"),
        ("Sub: Use of Hindi in official work -'Annual Programme", "Use of Hindi in official work – Annual Programme"),
        ("Sub: Nominations for the ‘Advanced Programme’ (APPPA)", "Nominations for the 'Advanced Programme' (APPPA)"),
        ('Sub: Instructions on ""Deputation of employees"', 'Instructions on "Deputation of employees"'),
        ("Sub: Week from 27th: October to 3५ 2nd November", "Week from 27th October to 2nd November"),
        ("Sub: Returns through the HRMS portal – s reg. >", "Returns through the HRMS portal – reg."),
        ("Sub: Implementation in Departments 2 reg.", "Implementation in Departments – reg."),
        ("Sub: Central Civil Services (100th Course) 2", "Central Civil Services (100th Course)"),
        ("Sub: Nationwide Campaign 4.0.", "Nationwide Campaign 4.0"),
        ("Sub: All India Services.and Central Services", "All India Services and Central Services"),
        ("Sub: Guidelines for-the year 2024", "Guidelines for the year 2024"),
        ("Sub: A state-of-the-art portal", "A state-of-the-art portal"),
        ("Sub: Officers of the All. India Services", "Officers of the All India Services"),
        ("Sub: Examination, 2026. - deployment of Officers", "Examination, 2026 – deployment of Officers"),
        ('Sub: "Deputation to ex-cadre posts". - maximum tenure', '"Deputation to ex-cadre posts" – maximum tenure'),
        ("Sub: Grievance redressal mechanism in\n-... your Ministry", "Grievance redressal mechanism in your Ministry"),
        ("Sub: Nationwide Campaign'4.0", "Nationwide Campaign 4.0"),
        ("Sub: Annual Programme for the year 2026-27 ie", "Annual Programme for the year 2026-27"),
        ("Sub: Week from 27th October to 2nd November, 2025 3 a", "Week from 27th October to 2nd November, 2025"),
        ('Sub: Returns for the "year ending 31.12.2025', "Returns for the year ending 31.12.2025"),
        ('Sub: Disposal of pending matters – "reg.', "Disposal of pending matters – reg."),
        ('Sub: Observance of "Vigilance Awareness Week" – reg.', 'Observance of "Vigilance Awareness Week" – reg.'),
        ("Sub: Monitoring of -the National Health Mission", "Monitoring of the National Health Mission"),
        ("Sub: District Level Committees' for monitoring", "District Level Committees for monitoring"),
        (
            "Sub: Celebration of the 'Rashtriya Ekta Diwas' on 31st October",
            "Celebration of the 'Rashtriya Ekta Diwas' on 31st October",
        ),
        ("Sub: Department of Pension & Pensioners' Welfare", "Department of Pension & Pensioners' Welfare"),
        ("Sub: Plan of your Ministry for the year 5 2026-27", "Plan of your Ministry for the year 2026-27"),
        ("Sub: Transfer of Medical Officers.(HCMS)", "Transfer of Medical Officers (HCMS)"),
        ("Sub: Completion of mandatory coursés on iGOT", "Completion of mandatory courses on iGOT"),
        ("Sub: Conduct of- Civil Services", "Conduct of Civil Services"),
        ("Sub: Posting and transfer of: Medical Officers", "Posting and transfer of Medical Officers"),
        ("Sub: Reports for the reporting period: 2025-26", "Reports for the reporting period 2025-26"),
        ("Sub: Withdrawal of O.M: dated.12.08.2019", "Withdrawal of O.M. dated 12.08.2019"),
        (
            "Sub: Allowance to Central Government employees 8 Revised rates",
            "Allowance to Central Government employees – Revised rates",
        ),
        ("Sub: Vigilance Clearance for empanelment'", "Vigilance Clearance for empanelment"),
        ("Sub: Attendance System (AEBAS) – reg.'", "Attendance System (AEBAS) – reg."),
        ("Sub: Programme (Phase-IV). for IAS officers", "Programme (Phase-IV) for IAS officers"),
        ("Sub: Nationwide Campaign 4:0", "Nationwide Campaign 4.0"),
        ("Sub: Property Returns {IPR) for the year", "Property Returns (IPR) for the year"),
        ("Sub: Allowance to Central' Government employees", "Allowance to Central Government employees"),
        ("Sub: Holidays to be observed in the' offices", "Holidays to be observed in the offices"),
        ("Sub: Returns for the year ending. 31.12.2025", "Returns for the year ending 31.12.2025"),
        ("Sub: Implementation of e-HRMS. 2.0 in Ministries", "Implementation of e-HRMS 2.0 in Ministries"),
        ("Sub: Posts on deputation.basis", "Posts on deputation basis"),
        ("Sub: Courses on the portal igotkarmayogi.gov.in", "Courses on the portal igotkarmayogi.gov.in"),
        ("Sub: Pay Commission – clarification regarding 2", "Pay Commission – clarification regarding"),
        ("Sub: Guest accommodation during training – reg: 4", "Guest accommodation during training – reg."),
        (
            "Sub: Conduct of Civil Services' (Preliminary) Examination",
            "Conduct of Civil Services (Preliminary) Examination",
        ),
        (
            "Sub: Instructions on “Deputation of Central.\n\nGovernment employees” – maximum tenure",
            'Instructions on "Deputation of Central Government employees" – maximum tenure',
        ),
    ],
)
def test_a_scanned_subjects_specks_are_left_out(lines, subject):
    found = suggest([f"No. 1/2/2024-X\n{lines}\nThe undersigned is directed"], ocr_pages=[0])
    assert found["subject"].value == subject


@pytest.mark.parametrize(
    ("lines", "subject"),
    [
        (
            "Subject: Returns for the ,\n\n’- year ending 31.12.2025 - reg",
            "Returns for the year ending 31.12.2025 – reg.",
        ),
        (
            'Subject: Instructions on "Deputation of Central\n\nGovernment employees" - tenure',
            'Instructions on "Deputation of Central Government employees" – tenure',
        ),
        ("Subject: Holidays during the year 2027\n\nie Sir/Madam", "Holidays during the year 2027"),
        ("Subject: Holidays during the year 2027\n\nGovernment of India has decided", "Holidays during the year 2027"),
    ],
)
def test_a_scanned_subject_goes_on_past_a_blank_line_only_when_unfinished(lines, subject):
    found = suggest([f"No. 1/2/2024-X\n{lines}\n\nThe undersigned is directed"], ocr_pages=[0])
    assert found["subject"].value == subject


@pytest.mark.parametrize(
    ("read", "number"),
    [
        ("- RNo. 8/24/2023-AR", "8/24/2023-AR"),
        (". Na. 21011/9/2025-Cab.(Vig.)", "21011/9/2025-Cab.(Vig.)"),
        ("No. T-38/38/2025-iGOT Part(5) 2 दिनांक / Dated: 19.02.2025.", "T-38/38/2025-iGOT Part(5)"),
        ("FNo.5/16/2024-AIS_ °° ° ° Dated the 20th September, 2024", "5/16/2024-AIS"),
        ("HFW-HLHS$339A/8/2019-5H5/1/773605/2020 ‘", "HFW-HLHS339A/8/2019-5H5/1/773605/2020"),
    ],
)
def test_specks_on_a_scanned_number_are_left_out(read, number):
    assert suggest([f"{read}\nSubject: X"], ocr_pages=[0])["reference_no"].value == number


def test_a_number_inside_a_word_is_not_labelled():
    assert "reference_no" not in suggest(["Techno. 1/2/2024 was cited\nSubject: X"])


def test_a_subject_wraps_to_as_many_lines_as_a_narrow_column_needs():
    page = (
        "O.M. No. 7(1)/E.Coord-I/2021 Dated 17-03-2021\n"
        "Subject :- Revision of the rates of Daily Allowance on tour for\n"
        "Central Government employees consequent upon the\nimplementation of the recommendations of the\n"
        "Seventh Central Pay Commission – clarification\nregarding\nIn continuation of DoPT's O.M."
    )
    assert suggest([page])["subject"].value.endswith("Pay Commission – clarification regarding")


def test_a_scanned_subject_wraps_past_a_blank_line_when_its_line_is_full():
    page = (
        "No. 7(1)/E.Coord-1/2023\nSub.:- Revision of the rates of Daily Allowance on tour for Central\n\n"
        "_ Government employees consequent upon the implementation of\n\nthe recommendations - reg.\n\n"
        "Ref: DoPT's O.M. No. 13018/7/2020-E.IV"
    )
    found = suggest([page], ocr_pages=[0])["subject"].value
    assert found == (
        "Revision of the rates of Daily Allowance on tour for Central Government employees consequent upon the "
        "implementation of the recommendations – reg."
    )


@pytest.mark.parametrize(
    ("lines", "subject"),
    [
        (
            "5 7 Timelines for completion of the Annual Performance\nSubject: Appraisal Reports (APAR) – reg.",
            "Timelines for completion of the Annual Performance Appraisal Reports (APAR) – reg.",
        ),
        (
            '* fava _ / Launch of "Mission Karmayogi" Capacity Building Plan for\nSubject Haryana Government employees',
            'Launch of "Mission Karmayogi" Capacity Building Plan for Haryana Government employees',
        ),
        (
            "विषय / Guidelines for grant of Vigilance Clearance to officers of\n\nSubject: — the All India Services",
            "Guidelines for grant of Vigilance Clearance to officers of the All India Services",
        ),
        (
            "विषय _/ Submission © of Digital Life Certificates by Central\nSubject: Government pensioners – Campaign",
            "Submission of Digital Life Certificates by Central Government pensioners – Campaign",
        ),
        ("All Ministries/Departments of the Government of India\nSubject: Holidays for 2027", "Holidays for 2027"),
        (
            "/ Guest accommodation in the Academy campus\nSubject: during the Phase-I training - reg.",
            "Guest accommodation in the Academy campus during the Phase-I training – reg.",
        ),
        ("Ministries/ Departments in the Academy\nSubject: Holidays for 2027", "Holidays for 2027"),
        (
            "विषय / Online submission of Property Returns (IPR) for\nSubject the year ending 31.12.2025 - reg.",
            "Online submission of Property Returns (IPR) for the year ending 31.12.2025 – reg.",
        ),
        ("परिपत्र / CIRCULAR\n\nSub.:- Holidays for 2027", "Holidays for 2027"),
        ("परिपत्र / CIRCULAR\nSub.:- Holidays for 2027", "Holidays for 2027"),
    ],
)
def test_a_scanned_subject_beside_stacked_labels_keeps_its_first_line(lines, subject):
    found = suggest([f"No. 1/2/2024-X\nDated: 01.02.2024\n{lines}\n\nThe undersigned is directed"], ocr_pages=[0])
    assert found["subject"].value == subject


@pytest.mark.parametrize(
    "body", ["lam directed to invite", "I.am directed to invite", "I am. directed to invite", "I am:directed to invite"]
)
def test_a_misread_i_am_directed_ends_a_scanned_subject(body):
    page = f"No. 1/2/2024-X\nSubject: Withdrawal of O.M. dated 12.08.2019 for empanelment\n\n{body} a reference"
    assert suggest([page], ocr_pages=[0])["subject"].value == "Withdrawal of O.M. dated 12.08.2019 for empanelment"


def test_a_scanned_subject_beside_stacked_labels_may_begin_with_words_like_an_offices():
    page = (
        "F.No. 9/22/2022-AR\nDated: 04.09.2024\nfi Central Secretariat Manual of Office Procedure\n"
        "‘Subject (CSMOP), 2022 – adoption of e-Office for all files\nAttention is invited"
    )
    found = suggest([page], ocr_pages=[0])
    assert (
        found["subject"].value
        == "Central Secretariat Manual of Office Procedure (CSMOP), 2022 – adoption of e-Office for all files"
    )


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("No. 1/31/8/2021-Cab", "1/31/8/2021-Cab."),
        ("& Nq.19-5/2024-Acad.", "19-5/2024-Acad."),
        ("F. 1७०. 25-3/2020-Acad.", "25-3/2020-Acad."),  # "No." read as Devanagari digits
        ("26-5/2021-SPG (Vol II-Pt.) Dated the 4th September, 2022", "26-5/2021-SPG (Vol II-Pt.)"),
        ("Debasish Chakraborty RECEIPT D.O. No. 5/3/2020-Trg.", "5/3/2020-Trg."),  # a stamp beside, not before
    ],
)
def test_a_scanned_numbers_lost_abbreviation_stop_and_misread_label_are_mended(line, number):
    found = suggest([f"Cabinet Secretariat\n{line}\nDated: 04.09.2024\nSubject: X"], ocr_pages=[0])
    assert found["reference_no"].value == number


def test_a_scanned_subjects_first_line_is_as_wide_as_printed_label_and_all():
    page = (
        "No. 1/2/2024-X\nSUBJECT : Completion of mandatory courses on the iGOT\n\n"
        "Karmayogi Portal by officers of the All India Services –\n\nreg.\n\nRef: O.M. of even number"
    )
    expected = (
        "Completion of mandatory courses on the iGOT Karmayogi Portal by officers of the All India Services – reg"
    )
    assert suggest([page], ocr_pages=[0])["subject"].value == expected + "."


def test_a_scanned_do_letters_title_is_rid_of_specks():
    page = (
        "D.O. No. 1/2/2024-AR\nDated: 01.02.2024\n\n"
        "Strengthening of the public grievance redressal mechanism in : ' your Ministry *\n\nDear Shri Kumar,"
    )
    assert suggest([page], ocr_pages=[0])["subject"].value == (
        "Strengthening of the public grievance redressal mechanism in your Ministry"
    )


def test_a_bare_e_office_number_with_the_date_beside_it_is_found():
    page = "Health Department\nHFW-HLHS940A/5/2016-5H5/1/173596/2021 Dated the 25th August, 2021\nSUBJECT : X"
    found = suggest([page])
    assert found["reference_no"].value == "HFW-HLHS940A/5/2016-5H5/1/173596/2021"
    assert found["dated"].value == date(2021, 8, 25)


def test_a_scanned_offices_quote_takes_the_plain_form_and_a_typed_one_stays():
    page = "Department of Pension & Pensioners’ Welfare\nSubject: X"
    assert suggest([page], ocr_pages=[0])["issued_by"].value == "Department of Pension & Pensioners' Welfare"
    assert suggest([page])["issued_by"].value == "Department of Pension & Pensioners’ Welfare"


def test_a_scanned_subject_label_that_lost_its_s_is_still_the_label():
    page = "No. 1/2/2024-X\nUBJECT : Constitution of District Level Committees – reg.\n\nThe undersigned is directed"
    assert suggest([page], ocr_pages=[0])["subject"].value == "Constitution of District Level Committees – reg."
