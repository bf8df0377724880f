"""Registration and CPD: each registered worker's CPD for the current renewal cycle, as an
item that closes once their records meet the regulator's rule."""
