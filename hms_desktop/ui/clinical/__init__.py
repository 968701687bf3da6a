"""Clinical screens: the doctor's visit record, the patient's clinical history and its vitals chart."""
