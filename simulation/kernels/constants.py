"""Integer codes shared by the compile step and the numba kernels (EPANET 2.2 values)."""

# Link types (EPANET LinkType)
CVPIPE = 0
PIPE = 1
PUMP = 2
PRV = 3
PSV = 4
PBV = 5
FCV = 6
TCV = 7
GPV = 8

# Link status (EPANET StatusType); "closed" means status <= CLOSED
XHEAD = 0
TEMPCLOSED = 1
CLOSED = 2
OPEN = 3
ACTIVE = 4
XFLOW = 5
XFCV = 6
XPRESSURE = 7

# Pump curve types (EPANET PumpType)
CONST_HP = 0
POWER_FUNC = 1
CUSTOM = 2
NOCURVE = 3

# Headloss formulas
HW = 0
DW = 1
CM = 2

# Demand models
DDA = 0
PDA = 1

# Simple control types (EPANET ControlType)
LOWLEVEL = 0
HILEVEL = 1
TIMER = 2
TIMEOFDAY = 3

# Rule premise objects / variables / operators (EPANET rules.c enums)
R_NODE = 0
R_LINK = 1
R_SYSTEM = 2

V_DEMAND = 0
V_HEAD = 1
V_GRADE = 2
V_LEVEL = 3
V_PRESSURE = 4
V_FLOW = 5
V_STATUS = 6
V_SETTING = 7
V_POWER = 8
V_TIME = 9
V_CLOCKTIME = 10
V_FILLTIME = 11
V_DRAINTIME = 12

OP_EQ = 0
OP_NE = 1
OP_LE = 2
OP_GE = 3
OP_LT = 4
OP_GT = 5

IS_NUMBER = 0
IS_OPEN = 1
IS_CLOSED = 2
IS_ACTIVE = 3

LOGOP_AND = 0
LOGOP_OR = 1

# Numerical constants (EPANET 2.2)
MISSING = -1.0e10
BIG = 1.0e10
TINY = 1.0e-6
CBIG = 1.0e8
CSMALL = 1.0e-6
QZERO = 1.0e-6
MINPDIFF = 0.1
SECPERDAY = 86400
PI = 3.141592654
