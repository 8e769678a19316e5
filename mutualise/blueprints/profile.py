from flask import Blueprint
from flask_login import login_required

bp = Blueprint("profile", __name__, url_prefix="/profile")


@bp.get("/")
@login_required
def index():
    return "profile"
