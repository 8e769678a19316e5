"""WTForms classes for the web pages. Forms parse types; services own the rules and their messages."""

from wtforms import Form

from mutualise.services.errors import ValidationError


def attach_errors(form: Form, error: ValidationError) -> None:
    """Show a service's field errors beside the matching inputs (or at the top when none matches)."""
    for name, message in error.fields.items():
        # Jinja treats Babel's lazy strings as safe markup: a message quoting what someone typed must
        # become plain text to be escaped.
        message = str(message)
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        else:
            form.form_errors.append(message)
