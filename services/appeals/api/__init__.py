"""HTTP entry points of the appeals service: thin — parse, call a use case, answer."""
from . import auth, citizens, open311, operator, staff

BLUEPRINTS = (citizens.blp, auth.blp, staff.blp, operator.blp)
OPEN311 = open311.bp
