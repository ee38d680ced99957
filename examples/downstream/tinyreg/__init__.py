"""tinyreg: two small linear models (scikit-learn and Keras) and the data they are tested on.

Importing it stays cheap: scikit-learn and TensorFlow are imported inside the fit functions.
"""

from .data import make_house_prices
from .keras_model import fit_keras
from .sklearn_model import fit_sklearn

__all__ = ["fit_keras", "fit_sklearn", "make_house_prices"]
