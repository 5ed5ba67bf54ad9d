"""The HTML forms: fields, labels and first-line checks. The services have the final word."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from models import Role
from services import office
from services.kinds import KINDS


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Log in")


ROLES = [
    SelectChoice(Role.VIEWER.value, "Viewer: sees everything, changes nothing"),
    SelectChoice(Role.CLERK.value, "Clerk: registers, prepares and sends"),
    SelectChoice(Role.APPROVER.value, "Approver: a clerk who also approves letters"),
    SelectChoice(Role.ADMIN.value, "Admin: everything, and staff accounts"),
]


class InviteForm(FlaskForm):
    """A new member of staff: they get an email with a link to set their password."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=ROLES, default=Role.CLERK.value)
    submit = SubmitField("Send the invitation")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLES)
    submit = SubmitField("Change the role")


class NewPasswordForm(FlaskForm):
    """A password typed twice: on a one-time link's page, and (with the current one) on "my account"."""

    password = PasswordField("New password", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        "New password again", validators=[DataRequired(), EqualTo("password", "The two passwords differ.")]
    )
    submit = SubmitField("Set the password")


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Change the password")


class MemoUploadForm(FlaskForm):
    file = FileField("Memo (PDF)", validators=[FileRequired("Choose the memo's PDF file.")])
    submit = SubmitField("Read the memo")


class EmblemForm(FlaskForm):
    file = FileField("Emblem or logo (PNG or JPEG)", validators=[FileRequired("Choose the emblem's image file.")])
    submit = SubmitField("Upload")


class LetterCheckForm(FlaskForm):
    """The public verify page: a file to compare with the issued letter."""

    file = FileField("The letter's PDF, as you received it", validators=[FileRequired("Choose the PDF file to check.")])
    submit = SubmitField("Check this file")


class CircularParticulars(FlaskForm):
    """A memo's particulars as the clerk checks or corrects them."""

    reference_no = StringField("Reference number", validators=[DataRequired(), Length(max=200)])
    dated = DateField("Dated", validators=[DataRequired()])
    issued_by = StringField("Issued by", validators=[DataRequired(), Length(max=200)])
    subject = TextAreaField("Subject", validators=[DataRequired(), Length(max=500)])
    diary_no = StringField("Diary number", validators=[DataRequired(), Length(max=100)])
    received_on = DateField("Received on", validators=[DataRequired()])


class CircularForm(CircularParticulars):
    """Registering an upload: the particulars, pre-filled from what was read off its PDF."""

    upload = HiddenField(validators=[DataRequired(), Length(max=500)])
    filename = HiddenField(validators=[Length(max=255)])
    submit = SubmitField("Register circular")


class CircularEditForm(CircularParticulars):
    """A registered circular's particulars, to correct."""

    submit = SubmitField("Save the corrections")


class RosterImportForm(FlaskForm):
    file = FileField("Roster (Excel or CSV)", validators=[FileRequired("Choose the roster's Excel or CSV file.")])
    submit = SubmitField("Check before importing")


class ReconciliationForm(FlaskForm):
    """iGOT's "All Reports" ZIP (or its CSVs) and the password the portal showed, used once and never kept."""

    file = MultipleFileField(
        "iGOT's All Reports ZIP, or its CSV files", validators=[FileRequired("Choose the report's ZIP or CSV files.")]
    )
    password = PasswordField("Password shown at the download (for the ZIP)", validators=[Optional(), Length(max=200)])
    submit = SubmitField("Reconcile with the roster")


def _limit(particular: str) -> int:
    """A letter's field has the limit of the office's setting it starts from (services.office)."""
    return office.BY_NAME[particular].max_len


class EndorsementForm(FlaskForm):
    file_no = StringField("File number", validators=[Optional(), Length(max=_limit("file_no"))])
    dated = DateField("Dated", validators=[DataRequired()])
    addressee = StringField("To", validators=[DataRequired(), Length(max=_limit("addressee"))])
    body = TextAreaField("Body of the letter", validators=[Optional(), Length(max=office.BODY_MAX_LEN)])
    signatory_name = StringField("Signed by", validators=[DataRequired(), Length(max=_limit("signatory_name"))])
    signatory_title = TextAreaField("Designation", validators=[DataRequired(), Length(max=_limit("signatory_title"))])
    copy_to = TextAreaField(
        "Copy forwarded to (one office per line)", validators=[Optional(), Length(max=_limit("copy_to"))]
    )
    ack_kind = SelectField("Officers must confirm", choices=[SelectChoice(k.name, k.choice) for k in KINDS.values()])
    deadline = DateField("Deadline", validators=[Optional()])
    submit = SubmitField("Save draft")


class ActionForm(FlaskForm):
    """A button that changes something: it carries only the CSRF token."""
